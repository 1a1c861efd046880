import Crypto

/// Names blobs (HMAC-SHA-256 of the plaintext under the repository's id key), and is the
/// one place that checks a blob against its id: decryption alone would catch damage, but
/// the id also catches a blob that decrypts and is not the one a tree names.
///
/// Not thread-safe (it keeps its hasher's state): one per thread.
struct BlobNamer {
    private let hasher: HMACSHA256Hasher

    init(key: SymmetricKey) { hasher = HMACSHA256Hasher(key: key) }

    func name(_ plaintext: UnsafeRawBufferPointer) -> Digest256 {
        hasher.update(plaintext)
        return hasher.finalize()
    }

    func matches(_ plaintext: UnsafeRawBufferPointer, _ id: Digest256) -> Bool { name(plaintext) == id }

    /// Throws unless `plaintext` is the blob `id`; `pack` names where it was read, for the error.
    func check(_ plaintext: UnsafeRawBufferPointer, is id: Digest256, inPack pack: Digest256) throws {
        guard matches(plaintext, id) else {
            throw FormatError.corrupt("blob \(id.hex) in pack \(pack.hex)", "does not hash to its id")
        }
    }
}
