import Crypto

/// The fixed parts of a pack file (docs/format.md, "Packs"):
/// `magic | version | [generation (u32), version 2] | salt | blobs... | sealed header | header length (u32)`.
enum PackLayout {
    static let magic = Array("RPAK".utf8)
    /// Packs of generation 0 (the master secret): every pack before key rotation existed,
    /// and every pack of a repository never rotated, byte for byte as they always were.
    static let version: UInt8 = 1
    /// Packs of a later key generation, which the preamble names.
    static let generationVersion: UInt8 = 2
    static let saltByteCount = 16
    /// Where the first blob of a version 1 pack starts.
    static let preambleByteCount = magic.count + 1 + saltByteCount
    /// The longest preamble (version 2): what a reader fetches before it knows the version.
    static let maximumPreambleByteCount = preambleByteCount + 4

    /// The preamble of a pack of `generation` with `salt`.
    static func preamble(generation: UInt32, salt: [UInt8]) -> [UInt8] {
        guard generation > 0 else { return magic + [version] + salt }
        return magic + [generationVersion] + withUnsafeBytes(of: generation.littleEndian, Array.init) + salt
    }
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

/// What a pack's preamble says: which key generation and salt its key derives from, and
/// where its first blob starts.
struct PackPreamble: Sendable, Equatable {
    var generation: UInt32
    var salt: [UInt8]

    var byteCount: Int { PackLayout.preamble(generation: generation, salt: salt).count }
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
    /// Set for a blob stored in a segment: `offset` and `length` are then the sealed
    /// segment's, and this says where the blob lies in its plaintext.
    public var segment: SegmentPlace? = nil

    /// Orders entries as they lie in a pack: by offset, then a segment's members by start.
    static func packOrder(_ a: PackEntry, _ b: PackEntry) -> Bool {
        (a.offset, a.segment?.start ?? 0) < (b.offset, b.segment?.start ?? 0)
    }

    /// What the blob's frame is sealed with: its own id, or its segment's digest.
    var sealedAs: Digest256 { segment?.digest ?? id }
}
