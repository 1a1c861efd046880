import CZlib

/// One raw-deflate `z_stream`, allocated once and reused with `deflateReset`, so
/// compressing a chunk allocates nothing.
///
/// Output goes to a caller-supplied buffer whose size doubles as a budget: when the
/// compressed stream would not fit, compression stops early instead of finishing work
/// whose result would be thrown away.
///
/// Not thread-safe: a z_stream is mutable state used by one thread at a time.
final class DeflateStream {
    private let stream: UnsafeMutablePointer<z_stream>
    /// One byte of scratch: given to zlib in place of an empty buffer (zlib rejects null
    /// pointers even with a zero length).
    private let placeholder = UnsafeMutablePointer<Bytef>.allocate(capacity: 1)

    /// A 32 KiB window and zlib's default memory level (8): the settings every level was
    /// tuned with.
    init(level: Int32) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // Window bits -15 select raw deflate: no zlib header, no adler32 trailer.
        let status = deflateInit2_(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        // Only fails for invalid parameters (a programming error) or out of memory.
        guard status == Z_OK else { fatalError("deflateInit2 failed with status \(status)") }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        placeholder.deallocate()
    }

    /// Compresses `input` as one complete raw deflate stream into `output` and returns
    /// the compressed length, or nil when that would exceed `output.count` bytes: zlib
    /// stops at the first block that does not fit, so a hopeless attempt ends early.
    func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        precondition(input.count <= Int(UInt32.max), "deflate input must be smaller than 4 GiB")
        deflateReset(stream)
        // zlib never writes through next_in; the header just predates `const`.
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self) ?? placeholder
        stream.pointee.avail_out = UInt32(clamping: output.count)
        // Z_FINISH with all input at once: Z_STREAM_END if it fit, Z_OK or Z_BUF_ERROR
        // if the output ran out first.
        guard deflate(stream, Z_FINISH) == Z_STREAM_END else { return nil }
        return Int(stream.pointee.total_out)
    }
}
