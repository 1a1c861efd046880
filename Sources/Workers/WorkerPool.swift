import Foundation
import Synchronization

/// The one way work is spread over threads: a fixed number of threads take items in order
/// until none is left, the work fails, or the cancellation is raised.
///
/// Threads rather than `DispatchQueue.concurrentPerform`: that caps the threads at the
/// number of cores, and an object store wants more requests in flight than that; and work
/// that blocks in `read` or a network wait must not starve Dispatch's shared pool.
public struct WorkerPool: Sendable {
    /// How many threads at most; never more than there are items.
    public let threads: Int
    public let cancellation: Cancellation

    /// Worker threads do little recursion; a small stack keeps many of them cheap.
    static let stackSize = 1 << 20

    public init(threads: Int, cancellation: Cancellation = .process) {
        self.threads = max(1, threads)
        self.cancellation = cancellation
    }

    /// Calls `work` with each number in `0..<count` once, each thread with its own state
    /// from `makeWorker`; returns when all are done. Items are handed out in order, so an
    /// order chosen by the caller (packs in the order they were written) is kept.
    ///
    /// The first error stops the handing out (items already taken finish) and is thrown;
    /// a raised cancellation does the same with `Cancelled`. Meanwhile the calling thread
    /// calls `waiting` about every `interval` seconds (progress lines).
    public func forEach<Worker>(_ count: Int, makeWorker: @escaping @Sendable () -> Worker,
                                interval: Double = 0.25, waiting: (() -> Void)? = nil,
                                _ work: @escaping @Sendable (inout Worker, Int) throws -> Void) throws {
        guard count > 0 else { return }
        let next = Atomic<Int>(0)
        let failure = Mutex<(any Error)?>(nil)
        let cancellation = self.cancellation
        let running = start(min(threads, count)) { _ in
            var worker = makeWorker()
            while true {
                guard failure.withLock({ $0 == nil }), !cancellation.isCancelled else { return }
                let number = next.add(1, ordering: .relaxed).oldValue
                guard number < count else { return }
                do {
                    try work(&worker, number)
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
            }
        }
        running.join(interval: interval, waiting: waiting)
        if let error = failure.withLock({ $0 }) { throw error }
        // Cancelled before the last item was taken: the work is incomplete.
        if next.load(ordering: .relaxed) < count { try cancellation.check() }
    }

    /// `forEach` without per-thread state.
    public func forEach(_ count: Int, interval: Double = 0.25, waiting: (() -> Void)? = nil,
                        _ work: @escaping @Sendable (Int) throws -> Void) throws {
        try forEach(count, makeWorker: {}, interval: interval, waiting: waiting) { _, number in try work(number) }
    }

    /// The results of `transform` for `0..<count`, in order.
    public func map<Value: Sendable>(_ count: Int, _ transform: @escaping @Sendable (Int) throws -> Value) throws -> [Value] {
        let slots = ResultSlots<Value>(count: count)
        try forEach(count) { number in slots.set(number, try transform(number)) }
        return slots.values
    }

    /// Starts `count` long-lived threads running `body(i)`: the stages of a pipeline that
    /// feed each other through queues. They see the cancellation only through their own
    /// checks; `join` waits for all of them.
    public func start(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> Running {
        let running = Running(count: count)
        for number in 0..<count {
            let thread = Thread {
                body(number)
                running.finished()
            }
            thread.stackSize = Self.stackSize
            thread.start()
        }
        return running
    }

    /// Threads started by `start`, until each has returned.
    public final class Running: Sendable {
        private let left: Mutex<Int>
        private let done = DispatchSemaphore(value: 0)

        init(count: Int) { left = Mutex(count) }

        fileprivate func finished() {
            let last = left.withLock { left -> Bool in
                left -= 1
                return left == 0
            }
            if last { done.signal() }
        }

        /// Waits for every thread; meanwhile calls `waiting` about every `interval` seconds.
        public func join(interval: Double = 0.25, waiting: (() -> Void)? = nil) {
            guard left.withLock({ $0 }) > 0 else { return }
            guard let waiting else { return done.wait() }
            while done.wait(timeout: .now() + interval) == .timedOut { waiting() }
            // Signalled once: later joins find the count at zero.
        }

        /// Waits at most `seconds`; whether every thread returned. Threads still running are
        /// left to end on their own (or with the process).
        public func join(timeout seconds: Double) -> Bool {
            guard left.withLock({ $0 }) > 0 else { return true }
            return done.wait(timeout: .now() + seconds) == .success
        }
    }
}
