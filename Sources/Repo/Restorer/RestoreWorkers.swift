import Foundation

/// Runs `jobs` threads that take packs one at a time, in the plan's order (the order the
/// walk first needed them, close to the order they were written), until none is left.
///
/// Threads rather than `concurrentPerform`: that caps the threads at the number of cores,
/// and reading from an object store wants more requests in flight than that.
struct RestoreWorkers {
    let jobs: Int

    /// Calls `work` with each number in `0..<count` once, on `jobs` threads, each thread
    /// with its own state from `makeWorker`; returns when all are done. Meanwhile the
    /// calling thread calls `waiting` about every `interval` seconds.
    func run<Worker>(count: Int, makeWorker: @escaping @Sendable () -> Worker, work: @escaping @Sendable (Worker, Int) -> Void,
                     interval: Double = 0.25, waiting: (() -> Void)? = nil) {
        guard count > 0 else { return }
        let next = NextNumber()
        let group = DispatchGroup()
        for _ in 0..<max(1, min(jobs, count)) {
            group.enter()
            let thread = Thread {
                let worker = makeWorker()
                while let number = next.take(below: count) { work(worker, number) }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        guard let waiting else { return group.wait() }
        while group.wait(timeout: .now() + interval) == .timedOut { waiting() }
    }
}

/// Hands out 0, 1, 2, ... to threads.
private final class NextNumber: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func take(below count: Int) -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }
}
