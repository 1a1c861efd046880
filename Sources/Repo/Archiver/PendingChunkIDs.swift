import Crypto
import Foundation

/// The ids of one large file's chunks, in file order, named by the blob sink's workers.
///
/// Naming a chunk (HMAC-SHA-256) costs more CPU than reading and chunking it, so the one
/// thread that walks and reads would be the pipeline's bottleneck if it named every chunk
/// itself. For a large file it only cuts chunks and reserves a slot for each; a worker
/// names the chunk, fills the slot, and stores the chunk if it is new. The reader waits
/// for the slots once, when the file ends.
final class PendingChunkIDs: @unchecked Sendable {
    private let condition = NSCondition()
    private var ids: [Digest256] = []
    private var missing = 0

    /// Reserves the next slot; returns its number.
    func reserve() -> Int {
        condition.lock()
        defer { condition.unlock() }
        ids.append(.zero)
        missing += 1
        return ids.count - 1
    }

    /// Fills a slot (a worker, once it has named the chunk).
    func fill(_ slot: Int, with id: Digest256) {
        condition.lock()
        ids[slot] = id
        missing -= 1
        if missing == 0 { condition.broadcast() }
        condition.unlock()
    }

    /// Every id, once all slots are filled. `failure` is polled while waiting: a sink that
    /// failed drops its queued chunks, whose slots would never be filled.
    func wait(failure: () -> Error?) throws -> [Digest256] {
        condition.lock()
        defer { condition.unlock() }
        while missing > 0 {
            if let error = failure() { throw error }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.05))
        }
        return ids
    }
}
