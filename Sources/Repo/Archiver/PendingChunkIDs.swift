import Crypto
import Foundation

/// The ids of one large file's chunks, in file order, named by the blob sink's workers.
///
/// Naming a chunk (HMAC-SHA-256) costs more CPU than reading and chunking it, so the one
/// thread that walks and reads would be the pipeline's bottleneck if it named every chunk
/// itself. For a large file it only cuts chunks, numbering them; a worker names a batch of
/// them, fills their slots at once, and stores those that are new. The reader waits for
/// the slots once, when the file ends.
// @unchecked: the reader waits on a condition for the slots (a Mutex cannot wait).
final class PendingChunkIDs: @unchecked Sendable {
    private let condition = NSCondition()
    private var ids: [Digest256] = []
    private var filled = 0
    /// How many slots the reader waits for; nil until it waits.
    private var expected: Int?

    /// Fills slots `first...` with `names` (a worker, once it has named a batch).
    func fill(from first: Int, with names: [Digest256]) {
        condition.lock()
        defer { condition.unlock() }
        if ids.count < first + names.count {
            ids.append(contentsOf: repeatElement(.zero, count: first + names.count - ids.count))
        }
        ids.replaceSubrange(first..<first + names.count, with: names)
        filled += names.count
        if let expected, filled >= expected { condition.broadcast() }
    }

    /// The first `count` ids, once they are all filled. `failure` is polled while waiting:
    /// a sink that failed drops its queued chunks, whose slots would never be filled.
    func wait(for count: Int, failure: () -> Error?) throws -> [Digest256] {
        condition.lock()
        defer { condition.unlock() }
        expected = count
        while filled < count {
            if let error = failure() { throw error }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.05))
        }
        return ids
    }
}
