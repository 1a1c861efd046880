import Foundation
@testable import Storage
import Synchronization
import TestSupport
import Testing

/// The S3 backend against a store that fails: a `FaultProxy` between the backend and moto
/// answers some requests with 500 or 503 SlowDown, drops or resets connections, cuts
/// answers short or holds them back. Retries must hide all of it, bytes must come back
/// exactly, and a store that never recovers must give a clear error in bounded time.
///
/// The scenarios run one at a time: they measure time against request timeouts of a few
/// seconds, which concurrent scenarios sharing two cores and one moto would exceed.
@Suite(.motoServer, .serialized)
struct S3FaultTests {
    static let everyFault: [FaultProxy.Fault] = [.internalError, .slowDown, .dropBeforeResponse, .resetBeforeResponse, .dropMidResponse]

    static func backend(_ moto: MotoServer, through proxy: FaultProxy, bucket: String? = nil,
                        _ adjust: (inout S3Configuration) -> Void = { _ in }) throws -> S3Backend {
        try S3TestBackends.backend(on: moto, bucket: bucket, endpoint: proxy.endpoint, configuration: S3TestBackends.configuration {
            $0.requestTimeout = 10
            adjust(&$0)
        })
    }

    /// Runs `body` on `threads` threads over `0..<count`; the errors, as text.
    static func concurrently(_ count: Int, threads: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [String] {
        final class Work: Sendable {
            let next = Atomic<Int>(0)
            let failures = Mutex<[String]>([])
        }
        let work = Work()
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                while true {
                    let index = work.next.add(1, ordering: .relaxed).oldValue
                    guard index < count else { break }
                    do { try body(index) } catch { work.failures.withLock { $0.append("#\(index): \(error)") } }
                }
                group.leave()
            }
        }
        group.wait()
        return work.failures.withLock { $0 }
    }

    // MARK: A flaky store

    struct Flakiness: Codable, Sendable, CustomTestStringConvertible {
        let seed: UInt64
        let threads: Int
        var testDescription: String { "seed \(seed), \(threads) thread\(threads == 1 ? "" : "s")" }
    }

    /// About a fifth of all requests fail, each with one of every kind of fault (seeded): 50
    /// objects written, listed and read back whole and in ranges, all exact, with retries.
    @Test(arguments: [Flakiness(seed: 7, threads: 1), Flakiness(seed: 8, threads: 8)])
    func aFlakyStoreLosesNothing(_ flakiness: Flakiness) throws {
        let moto = try MotoServer.suiteServer()
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let backend = try Self.backend(moto, through: proxy) { $0.retry.maxAttempts = 10 }
        proxy.injectRandomly(probability: 0.2, seed: flakiness.seed, faults: Self.everyFault)

        var objects = SeededObjects(seed: 40 + flakiness.seed)
        let sizes = [0, 1, 1 << 20] + (3..<50).map { 100 * $0 + $0 * $0 }
        let written = sizes.map { size in (name: objects.name(size % 3 == 0 ? .dataPack : .index), bytes: objects.bytes(size)) }

        let writeFailures = Self.concurrently(written.count, threads: flakiness.threads) { index in
            try backend.write(written[index].name, written[index].bytes)
        }
        #expect(writeFailures.isEmpty, "\(writeFailures.prefix(3))")
        let listed = try Set(backend.list(.dataPack) + backend.list(.index))
        #expect(listed == Set(written.map { ObjectInfo(name: $0.name, size: $0.bytes.count) }))
        let readFailures = Self.concurrently(written.count, threads: flakiness.threads) { index in
            let (name, bytes) = written[index]
            guard try backend.read(name) == bytes else { throw LoopbackError("\(name) read back differently") }
            if bytes.count > 10 {
                let range = (bytes.count / 3)..<(bytes.count / 2 + 1)
                guard try backend.read(name, range: range) == Array(bytes[range]) else { throw LoopbackError("\(name) \(range) read differently") }
            }
            guard try backend.stat(name)?.size == bytes.count else { throw LoopbackError("\(name) statted wrong") }
        }
        #expect(readFailures.isEmpty, "\(readFailures.prefix(3))")

        let statistics = backend.statistics
        let injected = proxy.injectedFaultCount
        #expect(injected >= 20, "\(proxy.totalRequests) requests, \(proxy.injectedFaults)")
        #expect(statistics.retries > 0, "\(statistics.summary)")
        // Every retry answers an injected fault (the HTTP layer retries some dropped
        // connections itself, unseen by the statistics, so there may be fewer retries).
        #expect(statistics.retries <= injected, "\(statistics.summary); injected \(proxy.injectedFaults)")
        #expect(Set(proxy.injectedFaults.keys) == Set(Self.everyFault), "\(proxy.injectedFaults)")
    }


    /// A multipart upload whose parts and start and completion requests fail now and then
    /// still stores the object exactly, and leaves no upload pending.
    @Test func multipartUploadsSurviveFaults() throws {
        let moto = try MotoServer.suiteServer()
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let bucket = try moto.makeBucket("multipart-faults")
        let backend = try Self.backend(moto, through: proxy, bucket: bucket) {
            $0.retry.maxAttempts = 10
            $0.multipartThreshold = 5 << 20
            $0.partSize = 5 << 20
        }
        proxy.injectRandomly(probability: 0.3, seed: 21, faults: Self.everyFault)
        var objects = SeededObjects(seed: 50)
        for _ in 0..<2 {
            let name = objects.name(.dataPack)
            let bytes = objects.bytes(12 << 20)
            try backend.write(name, bytes)
            #expect(try backend.read(name) == bytes)
        }
        #expect(proxy.injectedFaultCount > 0)
        #expect(backend.statistics.retries > 0)
        // An upload the store started but whose answer (its UploadId) was lost cannot be
        // aborted by the client: S3 leaves those to a lifecycle rule. Any other is aborted.
        let unanswered = proxy.events.filter { event in
            event.request.method == "POST" && event.request.target.contains("uploads") && event.fault.map { !$0.isBeforeStore } == true
        }.count
        let pending = try moto.pendingMultipartUploads(bucket: bucket)
        #expect(pending.count <= unanswered, "\(pending.count) uploads pending, \(unanswered) starts unanswered")
    }


    // MARK: One fault at a time

    enum Operation: String, CaseIterable, Codable, Sendable {
        case write, read, rangedRead, list, stat, delete
    }

    struct Failure: Codable, Sendable, CustomTestStringConvertible {
        let fault: FaultProxy.Fault
        let operation: Operation
        var testDescription: String { "\(operation.rawValue) under \(fault)" }
    }

    static let failures: [Failure] = [FaultProxy.Fault.internalError, .slowDown, .dropBeforeResponse, .resetBeforeResponse, .dropMidResponse]
        .flatMap { fault in Operation.allCases.map { Failure(fault: fault, operation: $0) } }

    /// A store that fails every request: each operation gives up after `maxAttempts` (4)
    /// requests, with an error that says so and names the repository, within seconds.
    @Test(arguments: failures)
    func aStoreThatNeverRecoversGivesAClearError(_ failure: Failure) throws {
        let moto = try MotoServer.suiteServer()
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let backend = try Self.backend(moto, through: proxy) {
            $0.retry.maxAttempts = 4
            $0.retry.baseWait = 0.05
            $0.retry.maxWait = 0.2
        }
        var objects = SeededObjects(seed: 60)
        let name = objects.name(.snapshots)
        try backend.write(name, objects.bytes(2000))
        proxy.resetCounters()
        proxy.failEveryRequest(with: failure.fault)

        let start = Date()
        var caught: BackendError?
        do throws(BackendError) {
            try Self.perform(failure.operation, on: backend, name: name, objects: &objects)
        } catch {
            caught = error
        }
        let seconds = Date().timeIntervalSince(start)
        guard let error = caught else {
            Issue.record("the operation succeeded against a store that fails everything")
            return
        }
        guard case .unreachable(let message) = error else {
            Issue.record("expected an unreachable store, got \(error)")
            return
        }
        #expect(message.contains("(4 attempts, retry budget"), "\(message)")
        #expect(message.contains(backend.location), "\(message)")
        // Four attempts reached the proxy (the HTTP layer may retry a dropped connection
        // itself, unseen by the backend).
        #expect((4...8).contains(proxy.totalRequests), "\(proxy.totalRequests) requests: \(proxy.events.map(\.request))")
        #expect(backend.statistics.retries == 3, "\(backend.statistics.summary)")
        #expect(seconds < 5, "gave up after \(seconds) s; a lost connection must fail at once, not after requestTimeout (10 s)")
    }

    static func perform(_ operation: Operation, on backend: S3Backend, name: ObjectName, objects: inout SeededObjects) throws(BackendError) {
        switch operation {
        case .write: try backend.write(objects.name(.snapshots), objects.bytes(100))
        case .read: _ = try backend.read(name)
        case .rangedRead: _ = try backend.read(name, range: 10..<20)
        case .list: _ = try backend.list(.snapshots)
        case .stat: _ = try backend.stat(name)
        case .delete: try backend.delete(name)
        }
    }


    /// One dropped or reset connection, after the first request left a connection open for
    /// reuse: the operation is sent again at once (well before `requestTimeout`, 10 s here)
    /// and succeeds.
    @Test(arguments: [FaultProxy.Fault.dropBeforeResponse, .resetBeforeResponse, .dropMidResponse]
        .flatMap { fault in [Operation.write, .read, .stat, .list, .delete].map { Failure(fault: fault, operation: $0) } })
    func aLostConnectionIsRetriedAtOnce(_ failure: Failure) throws {
        let moto = try MotoServer.suiteServer()
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let backend = try Self.backend(moto, through: proxy) { $0.requestTimeout = 10 }
        var objects = SeededObjects(seed: 64)
        let name = objects.name(.snapshots)
        try backend.write(name, objects.bytes(2000))
        proxy.resetCounters()
        proxy.inject(failure.fault, onRequests: [1])
        let start = Date()
        try Self.perform(failure.operation, on: backend, name: name, objects: &objects)
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 2, "took \(seconds) s: the lost connection was noticed only by the request timeout")
        #expect(proxy.totalRequests == 2, "\(proxy.events.map(\.request))")
    }


    /// Answers that are the final word are not retried: a missing object is one request.
    @Test func answersAreNotRetried() throws {
        let moto = try MotoServer.suiteServer()
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let backend = try Self.backend(moto, through: proxy)
        var objects = SeededObjects(seed: 61)
        let missing = objects.name(.index)
        #expect(throws: BackendError.notFound(missing)) { try backend.read(missing) }
        #expect(throws: BackendError.notFound(missing)) { try backend.read(missing, range: 0..<10) }
        #expect(try backend.stat(missing) == nil)
        try backend.delete(missing)
        #expect(proxy.totalRequests == 4, "\(proxy.events.map(\.request))")
        #expect(backend.statistics.retries == 0)
    }

    /// An answer held back longer than `requestTimeout` (2 s here) is given up on and the
    /// request sent again: reads and writes succeed after one retry, well before the
    /// stalled answer would have come.
    @Test(arguments: [Operation.write, .read, .list])
    func aStalledAnswerIsRetried(_ operation: Operation) throws {
        let moto = try MotoServer.suiteServer()
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let backend = try Self.backend(moto, through: proxy) { $0.requestTimeout = 2 }
        var objects = SeededObjects(seed: 62)
        let name = objects.name(.index)
        let bytes = objects.bytes(50_000)
        if operation != .write { try backend.write(name, bytes) }
        proxy.resetCounters()
        proxy.inject(.stall(seconds: 8), onRequests: [1])

        let start = Date()
        switch operation {
        case .write: try backend.write(name, bytes)
        case .list: #expect(try backend.list(.index) == [ObjectInfo(name: name, size: bytes.count)])
        default: #expect(try backend.read(name) == bytes)
        }
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds >= 1.9 && seconds < 7, "\(seconds) s")
        #expect(backend.statistics.retries == 1, "\(backend.statistics.summary)")
        #expect(proxy.totalRequests == 2)
        #expect(try backend.read(name) == bytes)
    }


    /// An answer cut off in its body is never taken for a short object.
    @Test func aCutAnswerIsReadAgain() throws {
        let moto = try MotoServer.suiteServer()
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let backend = try Self.backend(moto, through: proxy)
        var objects = SeededObjects(seed: 63)
        let name = objects.name(.dataPack)
        let bytes = objects.bytes(3 << 20)
        try backend.write(name, bytes)
        proxy.resetCounters()
        proxy.inject([1: .dropMidResponse, 2: .dropMidResponse, 4: .dropMidResponse])
        #expect(try backend.read(name) == bytes)
        #expect(try backend.read(name, range: 1000..<(2 << 20)) == Array(bytes[1000..<(2 << 20)]))
        #expect(backend.statistics.retries == 3, "\(backend.statistics.summary)")
    }

}
