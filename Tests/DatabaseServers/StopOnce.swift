import Foundation

/// Lets `stop()` run once, whether from a test's tearDown, deinit, or both at once.
final class StopOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false

    /// True for the first caller only.
    func claim() -> Bool {
        lock.withLock {
            defer { claimed = true }
            return !claimed
        }
    }
}
