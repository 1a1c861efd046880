/// Decodes frames written by ``BlobCompressor``.
///
/// Treats every frame as potentially hostile: all failures are thrown as
/// ``CodecError``, nothing is written outside the caller's buffer, and no frame can make
/// it allocate or write more than ``maximumDecodedSize`` bytes.
///
/// Decodes every codec this version knows, whatever the repository writes: a repository
/// created with zlib and one created with zstd read alike, as does a mixture.
///
/// Reusable and allocation-free per chunk: one inflate stream, reset per frame, and one
/// zstd context, created at the first zstd frame.
/// Not thread-safe, and deliberately not `Sendable`: use one per thread or task.
public final class BlobDecompressor {
    /// Default cap on a frame's decoded size; comfortably above any chunk size the
    /// chunker produces, far below what would hurt if a hostile frame claimed it.
    public static let defaultMaximumDecodedSize = 64 << 20

    /// Frames decoding to more than this are refused before any work is done.
    public let maximumDecodedSize: Int

    private let inflater = InflateStream()
    private lazy var zstd = ZstdDecompressionContext()

    public init(maximumDecodedSize: Int = BlobDecompressor.defaultMaximumDecodedSize) {
        precondition(maximumDecodedSize >= 0 && maximumDecodedSize <= Int(UInt32.max),
                     "maximumDecodedSize must be in 0...\(UInt32.max)")
        self.maximumDecodedSize = maximumDecodedSize
    }

    /// Bytes `frame` decodes to, from its header alone: use it to size the output
    /// buffer. The result is at most `maximumDecodedSize`; the payload is not checked.
    public static func decodedSize(of frame: UnsafeRawBufferPointer,
                                   maximumDecodedSize: Int = BlobDecompressor.defaultMaximumDecodedSize) throws(CodecError) -> Int {
        try FrameHeader.parse(frame, maximumDecodedSize: maximumDecodedSize).decodedSize
    }

    /// Decodes `frame` into the start of `out` and returns the decoded length.
    /// `out` must hold at least `decodedSize(of: frame)` bytes; beyond those it is not touched.
    public func decode(_ frame: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        let header = try FrameHeader.parse(frame, maximumDecodedSize: maximumDecodedSize)
        return try decode(frame, header: header, into: out)
    }

    /// Decodes `frame` into a new array. Allocates; prefer `decode(_:into:)` on hot paths.
    public func decode(_ frame: UnsafeRawBufferPointer) throws(CodecError) -> [UInt8] {
        let header = try FrameHeader.parse(frame, maximumDecodedSize: maximumDecodedSize)
        var failure: CodecError?
        let decoded = [UInt8](unsafeUninitializedCapacity: header.decodedSize) { buffer, count in
            do throws(CodecError) { count = try decode(frame, header: header, into: UnsafeMutableRawBufferPointer(buffer)) }
            catch { failure = error }
        }
        if let failure { throw failure }
        return decoded
    }

    private func decode(_ frame: UnsafeRawBufferPointer, header: FrameHeader,
                        into out: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        guard out.count >= header.decodedSize else {
            throw .outputTooSmall(required: header.decodedSize, available: out.count)
        }
        let payload = UnsafeRawBufferPointer(rebasing: frame[header.payloadOffset...])
        let destination = UnsafeMutableRawBufferPointer(rebasing: out[..<header.decodedSize])
        switch header.codec {
        case .none:
            if let source = payload.baseAddress, payload.count > 0 {
                destination.baseAddress!.copyMemory(from: source, byteCount: payload.count)
            }
        case .zlib:
            try inflater.inflate(payload, into: destination)
        case .zstd:
            try zstd.decompress(payload, into: destination)
        }
        return header.decodedSize
    }
}

@available(*, unavailable, message: "owns zlib and zstd state; use one BlobDecompressor per thread or task")
extension BlobDecompressor: Sendable {}
