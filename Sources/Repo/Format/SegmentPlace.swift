import Crypto

/// Where a blob stored in a segment sits (docs/format.md, "Segments"): a segment is
/// several data blobs compressed together into one frame and sealed once. The blob's
/// `PackEntry` then locates the whole sealed segment (`offset`, `length`), and this says
/// where the blob lies in the segment's plaintext and what the segment is sealed as.
public struct SegmentPlace: Sendable, Equatable {
    /// The blob's offset in the segment's plaintext.
    public var start: Int
    /// The length of the segment's whole plaintext (every member).
    public var length: Int
    /// The segment's digest: its associated data names it instead of a blob id, so that a
    /// segment cannot be moved to where another is expected.
    public var digest: Digest256
}
