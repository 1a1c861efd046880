import Crypto

/// What the repository's own objects need of its keys: sealing and opening index,
/// snapshot, lock, condemned, policy and job record objects and the config parameters,
/// and wrapping the master secret into key files. The blob keys are not reachable from
/// here: only the blob layer (`BlobStore`) holds them.
struct MetadataSealer: Sendable {
    fileprivate let keys: RepositoryKeys

    init(keys: RepositoryKeys) { self.keys = keys }

    func seal(_ plaintext: [UInt8], kind: MetadataObject.Kind, context: [UInt8] = []) throws -> [UInt8] {
        try MetadataObject.seal(plaintext, kind: kind, keys: keys, context: context)
    }

    func open(_ sealed: [UInt8], kind: MetadataObject.Kind, name: String, context: [UInt8] = []) throws -> [UInt8] {
        try MetadataObject.open(sealed, kind: kind, keys: keys, name: name, context: context)
    }

    /// A key file that opens the repository with `password`.
    func keyFile(password: [UInt8], parameters: Scrypt.Parameters, host: String, user: String) throws -> KeyFile {
        try KeyFile.wrap(keys, password: password, parameters: parameters, host: host, user: user)
    }
}

extension MetadataSealer {
    /// The id of the WAL record of the file `name`: its keyed hash, so that a record is
    /// found by name with one read and the store never shows the names.
    func walRecordID(of name: String) -> String {
        HMACSHA256.authenticate(Array(name.utf8), key: keys.walNameKey).hex
    }
}
