import Foundation
import TestSupport
import Testing

/// The test helpers themselves: moto answers as the S3 tests assume, and the fault proxy
/// passes requests through unchanged and fails exactly the ones it is told to.
@Suite(.motoServer)
struct FaultProxyTests {
    let moto: MotoServer
    let bucket: String

    init() throws {
        moto = try MotoServer.suiteServer()
        bucket = try moto.makeBucket("proxy")
    }

    private func put(_ port: UInt16, _ key: String, _ body: [UInt8], headers: [String: String] = [:]) throws -> LoopbackHTTP.Response {
        try LoopbackHTTP.request(port: port, method: "PUT", target: "/\(bucket)/\(key)",
                                 headers: headers.merging(["Authorization": LoopbackHTTP.unverifiedAuthorization]) { a, _ in a }, body: body)
    }

    private func get(_ port: UInt16, _ key: String, timeout: Double = 30) throws -> LoopbackHTTP.Response {
        try LoopbackHTTP.request(port: port, method: "GET", target: "/\(bucket)/\(key)",
                                 headers: ["Authorization": LoopbackHTTP.unverifiedAuthorization], timeout: timeout)
    }

    @Test func motoAnswersObjectRequests() throws {
        try moto.putObject(bucket: bucket, key: "a/b c", [1, 2, 3])
        #expect(try moto.getObject(bucket: bucket, key: "a/b c") == [1, 2, 3])
        #expect(try moto.getObject(bucket: bucket, key: "missing") == nil)
        #expect(try moto.keys(bucket: bucket, prefix: "a/") == ["a/b c"])
        try moto.deleteObject(bucket: bucket, key: "a/b c")
        try moto.deleteObject(bucket: bucket, key: "a/b c")
        #expect(try moto.keys(bucket: bucket).isEmpty)
        #expect(moto.endpoint == "http://127.0.0.1:\(moto.port)")
    }

    @Test func requestsPassThroughUnchanged() throws {
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(try put(proxy.port, "through", bytes).status == 200)
        #expect(try moto.getObject(bucket: bucket, key: "through") == bytes)
        let answer = try get(proxy.port, "through")
        #expect(answer.status == 200)
        #expect(answer.body == bytes)
        _ = try LoopbackHTTP.request(port: proxy.port, method: "GET", target: "/\(bucket)?list-type=2",
                                     headers: ["Authorization": LoopbackHTTP.unverifiedAuthorization])
        #expect(proxy.requestCounts == ["PUT": 1, "GET": 1, "LIST": 1])
        #expect(proxy.methodCounts == ["PUT": 1, "GET": 2])
        #expect(proxy.events.map(\.request.number) == [1, 2, 3])
        #expect(proxy.events.first?.request.bodyBytes == bytes.count)
        #expect(proxy.injectedFaultCount == 0)
    }

    /// Several requests on one client connection (the store closes each of its own).
    @Test func clientConnectionsAreKeptAlive() throws {
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        try moto.putObject(bucket: bucket, key: "alive", Array("hello".utf8))
        let socket = try LoopbackSocket.connect(port: proxy.port)
        defer { socket.close() }
        socket.setTimeout(10)
        let reader = HTTPReader(socket)
        for _ in 0..<3 {
            try socket.write(HTTPHead(startLine: "GET /\(bucket)/alive HTTP/1.1", fields: [
                ("Host", "127.0.0.1:\(proxy.port)"), ("Authorization", LoopbackHTTP.unverifiedAuthorization),
            ]).bytes)
            let head = try #require(try reader.readHead()).head
            #expect(head.status == 200)
            #expect(!head.has("Connection", token: "close"))
            #expect(try reader.readBody(head.responseFraming(requestMethod: "GET")) == Array("hello".utf8))
        }
        #expect(proxy.totalRequests == 3)
    }

    /// A client that waits for `100 Continue` before sending its body gets it.
    @Test func expectContinueIsAnswered() throws {
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let socket = try LoopbackSocket.connect(port: proxy.port)
        defer { socket.close() }
        socket.setTimeout(10)
        try socket.write(HTTPHead(startLine: "PUT /\(bucket)/continued HTTP/1.1", fields: [
            ("Host", "127.0.0.1:\(proxy.port)"), ("Authorization", LoopbackHTTP.unverifiedAuthorization),
            ("Content-Length", "4"), ("Expect", "100-continue"), ("Content-Type", "application/octet-stream"),
        ]).bytes)
        let reader = HTTPReader(socket)
        #expect(try #require(try reader.readHead()).head.status == 100)
        try socket.write([1, 2, 3, 4])
        #expect(try #require(try reader.readHead()).head.status == 200)
        #expect(try moto.getObject(bucket: bucket, key: "continued") == [1, 2, 3, 4])
    }

    @Test func errorAnswersAreNotPassedOn() throws {
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        proxy.inject([1: .internalError, 2: .slowDown])
        let first = try put(proxy.port, "refused", [1])
        #expect(first.status == 500)
        #expect(first.text.contains("<Code>InternalError</Code>"))
        let second = try put(proxy.port, "refused", [1])
        #expect(second.status == 503)
        #expect(second.text.contains("<Code>SlowDown</Code>"))
        #expect(try moto.getObject(bucket: bucket, key: "refused") == nil, "neither reached the store")
        #expect(try put(proxy.port, "refused", [1]).status == 200)
        #expect(proxy.injectedFaults == [.internalError: 1, .slowDown: 1])
        #expect(proxy.events.map(\.status) == [500, 503, 200])
    }

    @Test func droppedConnections() throws {
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let bytes = [UInt8](repeating: 7, count: 50_000)
        try moto.putObject(bucket: bucket, key: "dropped", bytes)
        proxy.inject([1: .dropBeforeResponse, 2: .resetBeforeResponse, 3: .dropMidResponse, 4: .dropMidResponse])
        #expect(throws: LoopbackError.self) { try get(proxy.port, "dropped") }
        #expect(throws: LoopbackError.self) { try get(proxy.port, "dropped") }
        #expect(throws: LoopbackError.self, "half a body is not a body") { try get(proxy.port, "dropped") }
        // A request whose answer is cut still reached the store.
        #expect(throws: LoopbackError.self) { try put(proxy.port, "cut", [9, 9]) }
        #expect(try moto.getObject(bucket: bucket, key: "cut") == [9, 9])
        #expect(try get(proxy.port, "dropped").body == bytes)
    }

    @Test func stalledAnswersAreHeld() throws {
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        try moto.putObject(bucket: bucket, key: "stalled", [5])
        proxy.inject(.stall(seconds: 1.5), onRequests: [1, 2])
        let start = Date()
        #expect(throws: LoopbackError.self, "a client that waits less gives up") { try get(proxy.port, "stalled", timeout: 0.5) }
        #expect(Date().timeIntervalSince(start) < 1.4)
        let held = Date()
        #expect(try get(proxy.port, "stalled", timeout: 5).body == [5])
        #expect(Date().timeIntervalSince(held) >= 1.4)
    }

    /// The same seed fails the same request numbers, in about the asked proportion, and only
    /// the operations asked for.
    @Test func seededRandomFaultsAreReproducible() throws {
        try moto.putObject(bucket: bucket, key: "random", [1])
        func run(seed: UInt64) throws -> [Int] {
            let proxy = try FaultProxy(upstream: moto)
            defer { proxy.stop() }
            proxy.injectRandomly(probability: 0.3, seed: seed, faults: [.internalError, .slowDown])
            for _ in 0..<60 { _ = try get(proxy.port, "random") }
            return proxy.events.filter { $0.fault != nil }.map(\.request.number)
        }
        let first = try run(seed: 11)
        #expect(try run(seed: 11) == first)
        #expect(try run(seed: 12) != first)
        #expect((8...30).contains(first.count), "\(first.count) of 60 failed")

        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        proxy.failEveryRequest(with: .slowDown, operations: ["PUT"])
        #expect(try get(proxy.port, "random").status == 200)
        #expect(try put(proxy.port, "random", [2]).status == 503)
    }

    @Test func stopEndsOpenConnections() throws {
        let proxy = try FaultProxy(upstream: moto)
        try moto.putObject(bucket: bucket, key: "stop", [1])
        proxy.failEveryRequest(with: .stall(seconds: 30))
        let start = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { proxy.stop() }
        #expect(throws: LoopbackError.self) { try get(proxy.port, "stop", timeout: 20) }
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(throws: LoopbackError.self, "nothing listens any more") { try get(proxy.port, "stop", timeout: 2) }
    }
}
