import Codec
import Glibc

/// How the archiver tells a file's class from its first bytes.
extension ContentClass {
    /// How much of the start of a file or stream decides its class.
    public static let sampleSize = 64 << 10

    /// A dump whose sample compresses at least this many times is `repetitiveDump`. The
    /// measured dumps compress 2.9 (varied rows) and 37 times (pgbench's padded rows), and
    /// the first wants small chunks, the second large ones (docs/design.md, "Chunk
    /// sizes"); rows of a few columns with repeated values come near 8.
    public static let repetitiveDumpRatio = 16

    /// The class of the stream that starts with `sample` (at most `sampleSize` bytes):
    /// binary when the compressor's estimate says it would not compress; else a dump when
    /// `DumpDetector` recognises one, repetitive when the compressor shrinks the sample
    /// `repetitiveDumpRatio` times; else compressible binary when the sample holds a NUL
    /// byte (text never does); else text.
    public init(sample: UnsafeRawBufferPointer, compressor: BlobCompressor) {
        if !compressor.looksCompressible(sample) {
            self = .binary
        } else if DumpDetector.isDump(sample) {
            self = Self.compressesRepetitively(sample, compressor) ? .repetitiveDump : .dump
        } else if let base = sample.baseAddress, memchr(base, 0, sample.count) != nil {
            self = .compressibleBinary
        } else {
            self = .text
        }
    }

    /// Whether `sample` compresses `repetitiveDumpRatio` times or more. Compresses the
    /// sample once, only for dumps (one per dump, well under a millisecond).
    private static func compressesRepetitively(_ sample: UnsafeRawBufferPointer, _ compressor: BlobCompressor) -> Bool {
        let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobCompressor.maxEncodedSize(forInput: sample.count),
                                                           alignment: 16)
        defer { frame.deallocate() }
        return compressor.encode(sample, into: frame) * repetitiveDumpRatio <= sample.count
    }
}
