import CZlib

/// One raw-inflate `z_stream`, allocated once and reused with `inflateReset`, so
/// decompressing a chunk allocates nothing (zlib keeps its 32 KiB window across resets).
///
/// Not thread-safe: a z_stream is mutable state used by one thread at a time.
final class InflateStream {
    private let stream: UnsafeMutablePointer<z_stream>
    /// One byte of scratch: given to zlib in place of an empty buffer (zlib rejects null
    /// pointers even with a zero length).
    private let placeholder = UnsafeMutablePointer<Bytef>.allocate(capacity: 1)

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { fatalError("inflateInit2 failed with status \(status)") }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        placeholder.deallocate()
    }

    /// Decodes the complete raw deflate stream `payload` into exactly `output.count` bytes.
    ///
    /// zlib is given `output.count` as its output limit, so nothing is ever written past
    /// `output`. The payload must end exactly where the deflate stream ends.
    func inflate(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CodecError) {
        precondition(output.count <= Int(UInt32.max), "inflate output must be smaller than 4 GiB")
        inflateReset(stream)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: payload.baseAddress?.assumingMemoryBound(to: Bytef.self))
        // A payload of 4 GiB or more cannot be consumed completely, which is reported
        // below as trailing data: no valid frame is that large.
        stream.pointee.avail_in = UInt32(clamping: payload.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self) ?? placeholder
        stream.pointee.avail_out = UInt32(output.count)

        let status = CZlib.inflate(stream, Z_FINISH)
        let produced = output.count - Int(stream.pointee.avail_out)
        switch status {
        case Z_STREAM_END:
            guard stream.pointee.avail_in == 0, payload.count <= Int(UInt32.max) else { throw .corruptData }
            guard produced == output.count else { throw .sizeMismatch(declared: output.count, actual: produced) }
        case Z_BUF_ERROR where stream.pointee.avail_out > 0:
            // Input exhausted before the end of the stream.
            throw .truncatedFrame
        case Z_BUF_ERROR:
            throw classifyFullOutput(declared: output.count)
        case Z_DATA_ERROR, Z_NEED_DICT:
            throw .corruptData
        case Z_MEM_ERROR:
            fatalError("inflate: out of memory")
        default:
            preconditionFailure("inflate returned unexpected status \(status)")
        }
    }

    /// The output is full and the stream has not ended: either the data goes on past
    /// the declared length, or the payload was cut off right there. One more byte of
    /// output space tells which.
    private func classifyFullOutput(declared: Int) -> CodecError {
        stream.pointee.next_out = placeholder
        stream.pointee.avail_out = 1
        let status = CZlib.inflate(stream, Z_FINISH)
        if stream.pointee.avail_out == 0 { return .sizeMismatch(declared: declared, actual: nil) }
        return status == Z_DATA_ERROR ? .corruptData : .truncatedFrame
    }
}
