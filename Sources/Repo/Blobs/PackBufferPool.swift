import Foundation

/// The memory packs are built in: a fixed number of buffers, reused pack after pack.
///
/// A worker takes a buffer to start a pack and the uploader gives it back once the pack
/// is stored, so the buffers bound how much of the backup is in memory at once (the pool
/// is the pipeline's backpressure), and reuse spares the kernel from zeroing fresh pages
/// for every pack.
// @unchecked: `take` waits on a condition (a Mutex cannot wait); the buffers are raw pointers.
final class PackBufferPool: @unchecked Sendable {
    let bufferSize: Int
    private let condition = NSCondition()
    private var free: [UnsafeMutableRawBufferPointer] = []
    private var allocated = 0
    private let limit: Int

    init(bufferSize: Int, count: Int) {
        self.bufferSize = bufferSize
        self.limit = count
    }

    deinit { for buffer in free { buffer.deallocate() } }

    /// A buffer of `bufferSize` bytes; waits while all are in use.
    func take() -> UnsafeMutableRawBufferPointer {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && allocated >= limit { condition.wait() }
        if let buffer = free.popLast() { return buffer }
        allocated += 1
        return .allocate(byteCount: bufferSize, alignment: 4096)
    }

    /// Gives back what a pack ends with: the pool's own buffer, or a larger one that
    /// replaced it (whose place in the pool was already given back when it grew).
    static func release(_ buffer: UnsafeMutableRawBufferPointer, to pool: PackBufferPool, grown: Bool) {
        if grown { buffer.deallocate() } else { pool.give(buffer) }
    }

    /// Returns a buffer taken from the pool. A buffer that was replaced by a larger one
    /// (a pack with one huge blob) is freed and its place in the pool opened again.
    func give(_ buffer: UnsafeMutableRawBufferPointer, replacedOriginal: Bool = false) {
        condition.lock()
        defer { condition.unlock() }
        if replacedOriginal || buffer.count != bufferSize {
            buffer.deallocate()
            allocated -= 1
        } else {
            free.append(buffer)
        }
        condition.signal()
    }
}
