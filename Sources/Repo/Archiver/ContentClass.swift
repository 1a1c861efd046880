import Codec

/// The kind of data a file or stream holds, decided from its first bytes; it picks the
/// chunk sizes (`RepositoryParameters.chunking(for:)`). The choice affects only
/// deduplication, never what a reader needs.
public enum ContentClass: Sendable, CaseIterable {
    /// Compressible data: logs, source, documents.
    case text
    /// A database dump (`DumpDetector`): text that changes by scattered row edits.
    case dump
    /// Incompressible data: media, archives, compressed or encrypted files.
    case binary

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
