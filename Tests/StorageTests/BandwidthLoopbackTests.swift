import Foundation
import Synchronization
@testable import Storage
import Testing

/// HTTPClient held to a bandwidth limit against a server on 127.0.0.1, measured.
@Suite struct BandwidthLoopbackTests {
    static let rate = 2 << 20

    /// Sends `requests` requests from each of `threads` threads; the bytes they moved per second.
    static func measure(threads: Int, requests: Int, bytesPerRequest: Int, _ request: @escaping @Sendable () -> HTTPRequest,
                        limits: BandwidthLimits, server: ScriptedServer) throws -> Double {
        let client = HTTPClient(timeout: 10, maxConnections: threads, bandwidth: limits)
        let failures = Mutex<[String]>([])
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<requests {
                do {
                    let response = try client.send(request(), to: server.endpoint)
                    if response.status != 200 { failures.withLock { $0.append("status \(response.status)") } }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(failures.withLock { $0 }.isEmpty)
        return Double(threads * requests * bytesPerRequest) / elapsed
    }

    /// The limit is a ceiling: never more than 10% over it. Slower is allowed down to half the
    /// rate, because a loaded machine (CI runs this beside the whole suite) delays the wakeups
    /// of the limiter's waits; what the limiter charges and how long it asks to wait is pinned
    /// exactly, on a manual clock, by `plainConnectionsChargeTheirBytesExactly` and the
    /// BandwidthLimiter unit tests.
    static func expectHeld(_ measured: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(measured < 1.1 * Double(rate), "measured \(measured) B/s", sourceLocation: sourceLocation)
        #expect(measured > 0.5 * Double(rate), "measured \(measured) B/s", sourceLocation: sourceLocation)
    }

    @Test(.timeLimit(.minutes(2))) func uploadsHoldTheirLimitOverTwentySeconds() throws {
        let server = try ScriptedServer { _, _ in .send(ScriptedServer.answer()) }
        defer { server.stop() }
        let limits = BandwidthLimits(upload: .constant(Self.rate))
        let body = Data(repeating: 0x5a, count: 1 << 20)
        // 40 MiB from four connections at 2 MiB/s: 20 s.
        let measured = try Self.measure(threads: 4, requests: 10, bytesPerRequest: body.count,
                                        { HTTPRequest(method: "PUT", target: "/sink", body: body) }, limits: limits, server: server)
        print("upload limited to 2 MiB/s measured \(measured / Double(1 << 20)) MiB/s over 40 MiB")
        Self.expectHeld(measured)
    }

    @Test(.timeLimit(.minutes(1))) func downloadsHoldTheirLimit() throws {
        let size = 1 << 20
        let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: \(size)\r\n\r\n".utf8) + [UInt8](repeating: 0xa5, count: size)
        let server = try ScriptedServer { _, _ in .send(answer) }
        defer { server.stop() }
        let limits = BandwidthLimits(download: .constant(Self.rate))
        // 6 MiB from two connections at 2 MiB/s: 3 s.
        let measured = try Self.measure(threads: 2, requests: 3, bytesPerRequest: size,
                                        { HTTPRequest(method: "GET", target: "/source") }, limits: limits, server: server)
        print("download limited to 2 MiB/s measured \(measured / Double(1 << 20)) MiB/s over 6 MiB")
        Self.expectHeld(measured)
    }

    /// Over plain TCP the bytes charged are the request's and the answer's, exactly.
    @Test func plainConnectionsChargeTheirBytesExactly() throws {
        let answer = ScriptedServer.answer(body: String(repeating: "x", count: 5000))
        let server = try ScriptedServer { _, _ in .send(answer) }
        defer { server.stop() }
        let body = Data(repeating: 1, count: 70_000)
        for (number, upload) in [true, false].enumerated() {
            let clock = ManualBandwidthClock()
            let limits = upload ? BandwidthLimits(upload: .constant(1 << 20), clock: clock) : BandwidthLimits(download: .constant(1 << 20), clock: clock)
            let client = HTTPClient(timeout: 5, maxConnections: 1, bandwidth: limits)
            _ = try client.send(HTTPRequest(method: "PUT", target: "/k", body: body), to: server.endpoint)
            let charged = (clock.now() * Double(1 << 20)).rounded()
            // The server records a request before it answers it.
            #expect(server.requests.count == number + 1)
            let head = try #require(server.requests.last).head.utf8.count
            #expect(charged == Double(upload ? head + body.count : answer.count), "upload \(upload)")
        }
    }

    @Test func unlimitedConnectionsAreNotWrapped() throws {
        let server = try ScriptedServer { _, _ in .send(ScriptedServer.answer()) }
        defer { server.stop() }
        let connection = try HTTPConnection(endpoint: server.endpoint, timeout: 5, tls: nil, bandwidth: BandwidthLimits())
        #expect(connection.isLimited == false)
        let limited = try HTTPConnection(endpoint: server.endpoint, timeout: 5, tls: nil, bandwidth: BandwidthLimits(upload: .constant(1 << 20)))
        #expect(limited.isLimited)
    }
}
