import Foundation
import Synchronization
import Testing
@testable import Workers

@Suite struct WorkerPoolTests {
    struct Failure: Error, Equatable { let number: Int }

    @Test(arguments: [1, 2, 7, 64]) func everyItemRunsOnceOnAtMostTheThreadsAsked(threads: Int) throws {
        let seen = Mutex<[Int]>([])
        let threadIDs = Mutex<Set<UInt64>>([])
        try WorkerPool(threads: threads, cancellation: Cancellation()).forEach(500) { number in
            threadIDs.withLock { _ = $0.insert(UInt64(pthread_self())) }
            seen.withLock { $0.append(number) }
        }
        #expect(seen.withLock { $0.sorted() } == Array(0..<500))
        #expect(threadIDs.withLock { $0.count } <= threads)
    }

    @Test func eachThreadKeepsItsOwnWorkerState() throws {
        struct Worker { let thread: pthread_t; var items = 0 }
        let made = Atomic<Int>(0)
        let strays = Atomic<Int>(0)
        try WorkerPool(threads: 3, cancellation: Cancellation()).forEach(300, makeWorker: {
            made.add(1, ordering: .relaxed)
            return Worker(thread: pthread_self())
        }) { worker, _ in
            worker.items += 1
            if pthread_equal(worker.thread, pthread_self()) == 0 { strays.add(1, ordering: .relaxed) }
        }
        #expect(made.load(ordering: .relaxed) <= 3)
        #expect(strays.load(ordering: .relaxed) == 0, "a worker's state never crosses threads")
    }

    @Test func mapKeepsTheOrder() throws {
        let squares = try WorkerPool(threads: 4, cancellation: Cancellation()).map(1000) { $0 * $0 }
        #expect(squares == (0..<1000).map { $0 * $0 })
    }

    @Test func firstErrorStopsHandingOutAndIsThrown() {
        let ran = Atomic<Int>(0)
        #expect(throws: Failure(number: 10)) {
            try WorkerPool(threads: 1, cancellation: Cancellation()).forEach(1000) { number in
                ran.add(1, ordering: .relaxed)
                if number == 10 { throw Failure(number: 10) }
            }
        }
        #expect(ran.load(ordering: .relaxed) == 11, "one thread stops right after the failing item")
    }

    @Test func cancellationStopsAtTheNextItemWithCancelled() {
        let cancellation = Cancellation()
        let ran = Atomic<Int>(0)
        #expect(throws: Cancelled(signal: SIGTERM)) {
            try WorkerPool(threads: 2, cancellation: cancellation).forEach(10_000) { number in
                ran.add(1, ordering: .relaxed)
                if number == 100 { cancellation.cancel(signal: SIGTERM) }
            }
        }
        #expect(ran.load(ordering: .relaxed) < 10_000)
    }

    @Test func cancellationAfterTheLastItemIsNotAnError() throws {
        let cancellation = Cancellation()
        try WorkerPool(threads: 1, cancellation: cancellation).forEach(5) { number in
            if number == 4 { cancellation.cancel(signal: SIGINT) }
        }
        #expect(cancellation.signal == SIGINT)
    }

    @Test func theFirstReasonIsKept() {
        let cancellation = Cancellation()
        #expect(!cancellation.isCancelled && cancellation.signal == nil)
        cancellation.cancel(signal: SIGTERM)
        cancellation.cancel(signal: SIGINT)
        #expect(cancellation.signal == SIGTERM)
        #expect(throws: Cancelled(signal: SIGTERM)) { try cancellation.check() }
        let plain = Cancellation()
        plain.cancel()
        #expect(plain.isCancelled && plain.signal == nil)
        #expect("\(Cancelled(signal: nil))" == "cancelled")
        #expect("\(Cancelled(signal: SIGINT))" == "interrupted (SIGINT)")
        let told = Cancelled(signal: SIGTERM).saying("no snapshot was saved").saying("outer words")
        #expect("\(told)" == "terminated (SIGTERM): no snapshot was saved", "the innermost outcome is kept")
    }

    @Test func startedThreadsAreJoinedWhileWaitingIsCalled() {
        let done = Atomic<Int>(0)
        let running = WorkerPool(threads: 3).start(3) { _ in
            usleep(60_000)
            done.add(1, ordering: .relaxed)
        }
        var calls = 0
        running.join(interval: 0.01) { calls += 1 }
        #expect(done.load(ordering: .relaxed) == 3)
        #expect(calls >= 1)
        running.join()
    }

    @Test func signalTrapRaisesTheCancellation() throws {
        let cancellation = Cancellation()
        let trap = SignalTrap([SIGUSR1], cancellation: cancellation)
        defer { trap.remove() }
        kill(getpid(), SIGUSR1)
        let deadline = Date(timeIntervalSinceNow: 5)
        while !cancellation.isCancelled && Date() < deadline { usleep(1000) }
        #expect(cancellation.signal == SIGUSR1)
        #expect(!Cancellation.process.isCancelled, "only the trap's own cancellation is raised")
    }
}
