#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Posix

/// Cuts a stream read from a file descriptor (or any reader) into content-defined chunks.
///
/// It owns one buffer, allocated once and reused for every stream it chunks. Each chunk
/// is handed to the caller as a view into that buffer, valid only during the call: no
/// chunk is ever copied, and only the unfinished tail of the buffer is moved to its front
/// before a refill. Not thread-safe: one instance per thread or task.
public final class StreamChunker {
    public let parameters: ChunkerParameters
    private var scanner: ChunkBoundaryScanner
    private let buffer: UnsafeMutableRawBufferPointer

    /// - Parameter bufferCapacity: bytes read ahead; at least twice the maximum chunk
    ///   size, so that a refill always has room for a large read. The default is that, and
    ///   at least 1 MiB: reads of a MiB cost no more per byte than larger ones, and a
    ///   buffer larger than needed is memory the whole snapshot holds for nothing.
    public init(parameters: ChunkerParameters, gear: GearTable, bufferCapacity: Int = 1 << 20) {
        self.parameters = parameters
        self.scanner = ChunkBoundaryScanner(parameters: parameters, gear: gear)
        let capacity = max(bufferCapacity, 2 * parameters.maximumSize)
        self.buffer = .allocate(byteCount: capacity, alignment: 4096)
    }

    deinit { buffer.deallocate() }

    /// Reads `fileDescriptor` to its end and calls `body` with each chunk in order.
    /// Returns the number of bytes read.
    @discardableResult
    public func chunk(
        fileDescriptor: Int32, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        try chunk(reader: { target in
            do throws(Errno) {
                return try FileDescriptor(rawValue: fileDescriptor).read(into: target)
            } catch {
                throw ChunkerError.readFailed(errno: error.code)
            }
        }, body)
    }

    /// Chunks the stream that `reader` produces. `reader` fills a prefix of the buffer it
    /// is given and returns its length, 0 at the end of the stream.
    @discardableResult
    public func chunk(
        reader: (UnsafeMutableRawBufferPointer) throws -> Int,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        scanner.reset()
        let base = buffer.baseAddress!
        var filled = 0      // bytes of the buffer holding data
        var chunkStart = 0  // where the current chunk begins
        var scanned = 0     // how far the scanner has seen
        var total = 0
        var atEnd = false

        while true {
            if scanned == filled {
                if atEnd { break }
                // The unfinished chunk is shorter than the maximum size, so after moving
                // it to the front there is always room to read.
                if chunkStart > 0 {
                    let tail = filled - chunkStart
                    if tail > 0 { memmove(base, base + chunkStart, tail) }
                    filled = tail
                    scanned = tail
                    chunkStart = 0
                }
                let n = try reader(UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if n == 0 { atEnd = true }
                filled += n
                total += n
                continue
            }
            let window = UnsafeRawBufferPointer(rebasing: buffer[scanned..<filled])
            if let cut = scanner.nextBoundary(in: window) {
                scanned += cut
                try body(UnsafeRawBufferPointer(rebasing: buffer[chunkStart..<scanned]))
                chunkStart = scanned
            } else {
                scanned = filled
            }
        }
        if chunkStart < filled {
            try body(UnsafeRawBufferPointer(rebasing: buffer[chunkStart..<filled]))
        }
        scanner.reset()
        return total
    }
}
