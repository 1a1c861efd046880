import Codec

/// How the archiver tells a file's class from its first bytes.
extension ContentClass {
    /// How much of the start of a file or stream decides its class.
    public static let sampleSize = 64 << 10

    /// The class of the stream that starts with `sample` (at most `sampleSize` bytes):
    /// binary when the compressor's estimate says it would not compress, else a dump when
    /// `DumpDetector` recognises one, else text.
    public init(sample: UnsafeRawBufferPointer, compressor: BlobCompressor) {
        if !compressor.looksCompressible(sample) {
            self = .binary
        } else {
            self = DumpDetector.isDump(sample) ? .dump : .text
        }
    }
}
