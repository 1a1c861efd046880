import Foundation
@testable import Storage
import Synchronization
import TestSupport
import Testing

/// The S3 client's retries by time (issue 16): a store that is down for a few seconds, in
/// each of the ways stores go down, is waited out with each wait told to the observer; one
/// that stays down past the budget ends the request with one line saying how long it was
/// tried. Short budgets and waits keep it quick.
@Suite(.motoServer, .serialized)
struct S3RetryBudgetTests {
    final class Events: Sendable {
        let list = Mutex<[RetryEvent]>([])
        var observer: RetryObserver { { [self] event in list.withLock { $0.append(event) } } }
        var all: [RetryEvent] { list.withLock { $0 } }
    }

    static func failure(_ body: () throws(BackendError) -> Void) -> (error: BackendError?, seconds: Double) {
        let started = Date()
        do throws(BackendError) {
            try body()
            return (nil, Date().timeIntervalSince(started))
        } catch {
            return (error, Date().timeIntervalSince(started))
        }
    }

    /// Refused, then hanging (idle timeout 0.3 s), then 503 SlowDown, a second each: the
    /// write that meets it succeeds, and every wait was told, naming the object.
    @Test func aWriteOutlastsAnOutageOfEveryKind() throws {
        let moto = try MotoServer.suiteServer()
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let events = Events()
        let backend = try S3TestBackends.backend(on: moto, endpoint: proxy.endpoint, configuration: S3TestBackends.configuration {
            $0.requestTimeout = 0.3
            $0.retry.maxWait = 0.2
            $0.onRetry = events.observer
        })
        var objects = SeededObjects(seed: 160)
        let name = objects.name(.dataPack), bytes = objects.bytes(50_000)
        // The HEAD starts the outage, and meets it unless its answer came first; the PUT
        // after it meets the rest.
        let outage = FaultProxyOutage(proxy, refused: 1, hanging: 1, failing: 1) { $0.method == "HEAD" }
        let (error, seconds) = Self.failure { () throws(BackendError) in
            if try backend.stat(name) != nil { throw .service("found before it was written") }
            try backend.write(name, bytes)
        }
        #expect(outage.wait(timeout: 10))
        #expect(error == nil && seconds > 2, "\(String(describing: error)) after \(seconds) s")
        #expect(try backend.read(name) == bytes)

        let seen = events.all
        let failures = seen.map(\.failure)
        #expect(failures.contains { $0.contains("cannot connect") && $0.contains("refused") }, "\(failures)")
        #expect(failures.contains { $0.contains("did not answer in time") }, "\(failures)")
        #expect(failures.contains { $0 == "503 SlowDown" || $0 == "HTTP 503" }, "\(failures)")
        let object = "data/\(name.id.prefix(2))/\(name.id.prefix(12))…"
        #expect(seen.allSatisfy { ["HEAD \(object)", "PUT \(object)"].contains($0.request) && $0.wait <= 0.2 }, "\(seen.map(\.request))")
        for request in Set(seen.map(\.request)) {
            let attempts = seen.filter { $0.request == request }.map(\.attempt)
            #expect(attempts == Array(1...attempts.count), "\(request): its attempts in order")
        }
        #expect(backend.statistics.retries == seen.count)
        print("S3RetryBudgetTests outage (\(outage.timeline)): \(seen.count) waits in \(String(format: "%.1f", seconds)) s")
    }

    /// Nothing listens: the request is tried for the budget (2 s), far more often than the
    /// old 6 attempts, and ends with one line saying for how long, and what to do.
    @Test func aStoreDownPastTheBudgetEndsWithOneLine() throws {
        let closedPort = try LoopbackSocket.freePort()
        let events = Events()
        var configuration = S3TestBackends.configuration {
            $0.retry.budget = 2
            $0.onRetry = events.observer
        }
        configuration.retry.maxWait = 0.1
        let backend = try S3Backend(url: "s3:http://127.0.0.1:\(closedPort)/bucket/prefix", configuration: configuration,
                                    environment: MotoServer.environment)
        let (error, seconds) = Self.failure { () throws(BackendError) in _ = try backend.stat(.config) }
        #expect(seconds >= 2 && seconds < 3, "\(seconds) s")
        guard case .unreachable(let message)? = error else {
            Issue.record("expected an unreachable store, got \(String(describing: error))")
            return
        }
        let attempts = events.all.count + 1
        #expect(attempts > 6, "\(attempts) attempts")
        #expect(message.hasPrefix("the store at s3:http://127.0.0.1:\(closedPort)/bucket/prefix did not answer HEAD config for 2.0s "
                                  + "(\(attempts) attempts, retry budget 2s; last: cannot connect to 127.0.0.1"), "\(message)")
        #expect(message.hasSuffix("; check the network and endpoint, and try again") && !message.contains("\n"), "\(message)")
    }

    /// Once one request spent the budget, later ones get a single try, and when that fails
    /// they report the first request's failure: whichever error reaches the user names the
    /// request tried for the whole budget, never "1 attempt" (CI once printed that line).
    @Test func requestsAfterTheBudgetReportTheFirstFailure() throws {
        let closedPort = try LoopbackSocket.freePort()
        var configuration = S3TestBackends.configuration { $0.retry.budget = 1 }
        configuration.retry.maxWait = 0.1
        let backend = try S3Backend(url: "s3:http://127.0.0.1:\(closedPort)/bucket/prefix", configuration: configuration,
                                    environment: MotoServer.environment)
        let (first, _) = Self.failure { () throws(BackendError) in _ = try backend.stat(.config) }
        let (later, seconds) = Self.failure { () throws(BackendError) in _ = try backend.stat(ObjectName(.snapshots, String(repeating: "ab", count: 32))) }
        #expect(seconds < 0.5, "a single try: \(seconds) s")
        guard case .unreachable(let message)? = later, case .unreachable(let firstMessage)? = first else {
            Issue.record("expected unreachable stores, got \(String(describing: first)), \(String(describing: later))")
            return
        }
        #expect(message == firstMessage && message.contains("HEAD config") && !message.contains("(1 attempt"), "\(message)")
    }

    /// A name that does not resolve is retried like a refused connection (resolvers fail in
    /// the same outages), and the last line names it.
    @Test func anUnresolvableNameIsRetried() throws {
        let events = Events()
        let backend = try S3Backend(url: "s3:http://no-such-store.invalid:9000/bucket/prefix", configuration: S3TestBackends.configuration {
            $0.retry.budget = 1
            $0.onRetry = events.observer
        }, environment: MotoServer.environment)
        let (error, seconds) = Self.failure { () throws(BackendError) in _ = try backend.list(.snapshots) }
        #expect(seconds >= 1 && seconds < 10, "\(seconds) s")
        #expect(events.all.count >= 2 && events.all.allSatisfy { $0.request == "LIST snapshots/" }, "\(events.all)")
        guard case .unreachable(let message)? = error else {
            Issue.record("expected an unreachable store, got \(String(describing: error))")
            return
        }
        #expect(message.contains("last: cannot resolve no-such-store.invalid"), "\(message)")
    }
}
