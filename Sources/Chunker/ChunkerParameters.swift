/// The sizes that shape content-defined chunks.
///
/// These are recorded per repository: changing them changes every boundary, and so
/// every chunk id, which would defeat deduplication against everything already stored.
public struct ChunkerParameters: Sendable, Hashable, Codable {
    /// No chunk is shorter than this, except the last chunk of a stream.
    public let minimumSize: Int
    /// The size the normalized cut-point search aims for; a power of two.
    public let averageSize: Int
    /// A chunk is cut here whatever its content.
    public let maximumSize: Int
    /// How strongly chunk sizes are pulled towards the average (FastCDC's "NC level").
    /// Before the average, the cut mask has this many more bits (a cut is rarer);
    /// after it, this many fewer (a cut is likelier). 0 disables normalization.
    public let normalization: Int

    public init(minimumSize: Int, averageSize: Int, maximumSize: Int, normalization: Int = 2) throws(ChunkerError) {
        guard averageSize > 0, averageSize & (averageSize - 1) == 0 else {
            throw .invalidParameters("average chunk size \(averageSize) is not a power of two")
        }
        guard minimumSize >= 64, minimumSize < averageSize, averageSize < maximumSize else {
            throw .invalidParameters(
                "chunk sizes must satisfy 64 <= minimum (\(minimumSize)) < average (\(averageSize)) < maximum (\(maximumSize))")
        }
        guard maximumSize <= 64 << 20 else {
            throw .invalidParameters("maximum chunk size \(maximumSize) is above 64 MiB")
        }
        let averageBits = averageSize.trailingZeroBitCount
        guard (0...4).contains(normalization), averageBits - normalization >= 1, averageBits + normalization <= 48 else {
            throw .invalidParameters("normalization level \(normalization) does not fit average size \(averageSize)")
        }
        self.minimumSize = minimumSize
        self.averageSize = averageSize
        self.maximumSize = maximumSize
        self.normalization = normalization
    }

    /// A convenience for the usual shape: minimum a quarter, maximum four times the average.
    public init(averageSize: Int) throws(ChunkerError) {
        try self.init(minimumSize: averageSize / 4, averageSize: averageSize, maximumSize: averageSize * 4)
    }

    /// Defaults for new repositories, one per class of content (`ContentClass`), chosen by
    /// measuring the first snapshot of two corpora and what their second version adds
    /// (docs/design.md, "Chunk sizes"). Each chunk is compressed alone, so larger chunks
    /// compress better and cost fewer index entries; smaller ones deduplicate scattered
    /// edits better. Repositories record theirs in their config and keep them.
    ///
    /// Text (logs, source, documents): 64 KiB. Source trees change by whole small files,
    /// logs by appending, so larger chunks lose almost nothing in deduplication.
    public static let text = try! ChunkerParameters(minimumSize: 16 << 10, averageSize: 64 << 10, maximumSize: 256 << 10)
    /// The text chunking of repositories made before 64 KiB text chunks (and of their
    /// dumps and compressible binaries).
    public static let smallText = try! ChunkerParameters(minimumSize: 4 << 10, averageSize: 16 << 10, maximumSize: 64 << 10)
    /// Compressible binaries (libraries, compiled modules): they change whole, so their
    /// chunks are as large as incompressible ones'.
    public static let compressibleBinary = try! ChunkerParameters(minimumSize: 256 << 10, averageSize: 1 << 20, maximumSize: 4 << 20)
    /// Database dumps of varied rows change by scattered row edits, each of which costs
    /// about one chunk: 8 KiB chunks store 9% less growth per version than 16 KiB ones, for
    /// 2% more in the first snapshot (`repo init --dump-chunk-size` chooses another size
    /// for all dumps; docs/design.md, "Database dumps").
    public static let dump = try! ChunkerParameters(minimumSize: 2 << 10, averageSize: 8 << 10, maximumSize: 32 << 10)
    /// Dumps that compress many times over (padded or repeated columns) compress so much
    /// better in large chunks that it outweighs the deduplication small ones would find.
    public static let repetitiveDump = try! ChunkerParameters(minimumSize: 256 << 10, averageSize: 1 << 20, maximumSize: 4 << 20)
    /// Media and other incompressible files change whole or not at all: large chunks keep
    /// the index small.
    public static let binary = try! ChunkerParameters(minimumSize: 256 << 10, averageSize: 1 << 20, maximumSize: 4 << 20)

    /// Mask tested before the chunk reaches the average size: more bits, so cuts are rarer.
    var smallChunkMask: UInt64 { Self.mask(bits: averageSize.trailingZeroBitCount + normalization) }
    /// Mask tested after the average size: fewer bits, so cuts come sooner.
    var largeChunkMask: UInt64 { Self.mask(bits: averageSize.trailingZeroBitCount - normalization) }

    /// The top `bits` bits of the hash. The gear hash shifts left once per byte, so bit 63
    /// depends on the last 64 bytes and low bits on only the last few: the high bits are
    /// the ones that carry a real window over the content.
    static func mask(bits: Int) -> UInt64 { bits == 0 ? 0 : ~UInt64(0) << UInt64(64 - bits) }
}
