import Crypto

/// Seals and opens the small encrypted objects (index, snapshots, locks, config parameters)
/// under the metadata key. The associated data names the object's kind, so an object of
/// one kind can never be passed off as another.
enum MetadataObject {
    enum Kind: String {
        case config = "repo v1 config"
        case index = "repo v1 index"
        case snapshot = "repo v1 snapshot"
        case lock = "repo v1 lock"
        case condemned = "repo v1 condemned"
        case policy = "repo v1 policy"
        case run = "repo v1 run"
        case keyGeneration = "repo v1 pack key generation"
        case walRecord = "repo v1 wal record"
    }

    static func seal(_ plaintext: [UInt8], kind: Kind, keys: RepositoryKeys, context: [UInt8] = []) throws -> [UInt8] {
        let cipher = try AES256GCM(key: keys.metadataKey)
        return cipher.seal(plaintext, nonce: .random(), aad: Array(kind.rawValue.utf8) + context)
    }

    static func open(_ sealed: [UInt8], kind: Kind, keys: RepositoryKeys, name: String, context: [UInt8] = []) throws -> [UInt8] {
        let cipher = try AES256GCM(key: keys.metadataKey)
        do {
            return try cipher.open(sealed, aad: Array(kind.rawValue.utf8) + context)
        } catch {
            throw FormatError.corrupt(name, "authentication failed (altered, or not of this repository)")
        }
    }
}
