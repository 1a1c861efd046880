import Crypto

/// The fixed parts of a pack file (docs/format.md, "Packs"):
/// `magic | version | salt | blobs... | sealed header | header length (u32)`.
enum PackLayout {
    static let magic = Array("RPAK".utf8)
    static let version: UInt8 = 1
    static let saltByteCount = 16
    /// Where the first blob starts.
    static let preambleByteCount = magic.count + 1 + saltByteCount
    static let trailerByteCount = 4
    static let headerAssociatedData = Array("repo v1 pack header".utf8)

    /// The associated data of a blob: its type and id, so that a blob cannot be moved to
    /// another id or type unnoticed.
    static func withBlobAssociatedData<R>(type: BlobType, id: Digest256, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(byteCount: 1 + Digest256.byteCount, alignment: 1) { aad in
            aad[0] = type.rawValue
            id.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: aad[1...]).copyMemory(from: $0) }
            return try body(UnsafeRawBufferPointer(aad))
        }
    }
}

/// One blob as a pack header and the index describe it.
public struct PackEntry: Sendable, Equatable {
    public var type: BlobType
    public var id: Digest256
    /// Offset of the sealed blob within the pack.
    public var offset: Int
    /// Length of the sealed blob (frame + 28 bytes of nonce and tag).
    public var length: Int
    /// Length of the blob's plaintext.
    public var plaintextLength: Int
}
