import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// An HTTP proxy on 127.0.0.1 in front of an S3 store (moto) that fails requests on
// purpose: the client under test talks to `endpoint` as if it were the store. Shared with
// the EndToEndTests target (TestSupport): it must not import Repo.
//
// Requests pass through byte for byte (SigV4 signs the Host header, which names the proxy,
// and moto does not check signatures). Each request is read whole, numbered (1, 2, … in
// order of arrival), counted and then, by the rule in force, answered by the store or
// failed:
//
//     let proxy = try FaultProxy(upstreamPort: moto.port)
//     proxy.injectRandomly(probability: 0.2, seed: 7, faults: [.slowDown, .internalError, .dropBeforeResponse])
//     proxy.inject(.stall(seconds: 5), onRequests: [1])
//     proxy.failEveryRequest(with: .internalError)
//     proxy.refuseConnections(); …; try proxy.acceptConnections()   // an endpoint that is down
//
// One thread per client connection; client connections are kept alive across requests
// (the store's own `Connection: close` is not passed on when the answer's length is known),
// so a client's connection pool meets dropped and reset connections as it would in the
// wild. Each request goes to the store on a fresh connection.

public final class FaultProxy: Sendable {
    /// What can go wrong with one request.
    public enum Fault: Sendable, Hashable, Codable, CustomStringConvertible {
        /// `500 InternalError`, without passing the request on.
        case internalError
        /// `503 SlowDown` (S3's throttling answer), without passing the request on.
        case slowDown
        /// The request is passed on, and the store's answer held back this long before it
        /// is sent (the client has usually given up by then).
        case stall(seconds: Double)
        /// The request is read, not passed on, and the connection closed without an answer.
        case dropBeforeResponse
        /// The request is passed on (it takes effect), the first half of the answer's bytes
        /// is sent, and the connection closed: inside the body of an answer with a large
        /// enough body, inside the head of one without (PUT, HEAD, DELETE).
        case dropMidResponse
        /// Like `dropBeforeResponse`, but with a TCP reset ("connection reset by peer").
        case resetBeforeResponse
        /// The request is read and not passed on; no answer comes, and the connection is
        /// closed after `seconds` (a store that hangs: the client's idle timeout ends it first).
        case hang(seconds: Double)

        public var description: String {
            switch self {
            case .internalError: return "500 InternalError"
            case .slowDown: return "503 SlowDown"
            case .stall(let seconds): return "stall \(seconds) s"
            case .dropBeforeResponse: return "drop before response"
            case .dropMidResponse: return "drop mid-response"
            case .resetBeforeResponse: return "reset before response"
            case .hang(let seconds): return "hang \(seconds) s"
            }
        }

        /// Faults after which the store has not seen the request.
        public var isBeforeStore: Bool {
            switch self {
            case .internalError, .slowDown, .dropBeforeResponse, .resetBeforeResponse, .hang: return true
            case .stall, .dropMidResponse: return false
            }
        }
    }

    /// One request as the proxy saw it.
    public struct Request: Sendable, CustomStringConvertible {
        /// 1 for the first request since the proxy started (or `resetCounters()`).
        public let number: Int
        /// The HTTP method.
        public let method: String
        /// Path and query.
        public let target: String
        /// The S3 operation kind, as `S3Statistics` counts them: GET, PUT, HEAD, DELETE,
        /// POST, and LIST for a GET of the bucket itself.
        public let operation: String
        public let bodyBytes: Int
        /// The request's header fields, as sent.
        public let head: HTTPHead
        /// When it had been read whole.
        public let received = Date()

        public var description: String { "#\(number) \(method) \(target)" }
    }

    /// A request and what was done to it.
    public struct Event: Sendable {
        public let request: Request
        public let fault: Fault?
        /// The store's status code, or the injected one (nil if there was no answer).
        public let status: Int?
        /// When the request had been read whole.
        public let received: Date
    }

    private enum Rule: Sendable {
        case none
        case onRequests([Int: Fault])
        case random(probability: Double, seed: UInt64, faults: [Fault], operations: Set<String>?)
        case every(Fault, operations: Set<String>?)
        case custom(@Sendable (Request) -> Fault?)
    }

    private struct State {
        var rule: Rule = .none
        var nextNumber = 1
        var events: [Event] = []
    }

    public let upstreamPort: UInt16
    public let port: UInt16
    /// Accepting connections, nil while refusing them.
    private let listener: Mutex<LoopbackSocket?>
    private let state = Mutex(State())
    /// Open connections (to clients and to the store), nil once stopped.
    private let connections = Mutex<[ObjectIdentifier: LoopbackSocket]?>([:])

    /// `http://127.0.0.1:PORT`: the endpoint to give the client instead of the store's.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public init(upstreamPort: UInt16) throws {
        self.upstreamPort = upstreamPort
        let socket = try LoopbackSocket.listen()
        port = socket.localPort
        listener = Mutex(socket)
        startAccepting(socket)
    }

    private func startAccepting(_ listener: LoopbackSocket) {
        // The acceptor holds the proxy weakly, so a proxy nobody stops still goes away
        // (a connection being served holds it until that connection ends).
        Thread.detachNewThread { [weak self, listener] in
            while let client = listener.accept() {
                guard let proxy = self, proxy.track(client) else {
                    client.close()
                    break
                }
                Thread.detachNewThread {
                    proxy.serve(client)
                    proxy.untrack(client)
                    client.close()
                }
            }
            listener.close()
        }
    }

    // MARK: Outages

    /// The endpoint goes down: nothing listens on the port (connections are refused) and
    /// every open connection is cut, until `acceptConnections()`.
    public func refuseConnections() {
        guard let closing = listener.withLock({ listener -> LoopbackSocket? in
            defer { listener = nil }
            return listener
        }) else { return }
        closing.shutdown()  // the acceptor wakes, and closes it
        let open = connections.withLock { $0.map { Array($0.values) } ?? [] }
        for socket in open { socket.shutdown() }
    }

    /// The endpoint is back, on the same port.
    public func acceptConnections() throws {
        try listener.withLock { listener in
            guard listener == nil, !isStopped else { return }
            let socket = try LoopbackSocket.listen(port: port)
            listener = socket
            startAccepting(socket)
        }
    }

    public convenience init(upstream: MotoServer) throws {
        try self.init(upstreamPort: upstream.port)
    }

    deinit { stop() }

    // MARK: Rules

    /// Injects `fault` into the requests with these numbers (1-based, counted since the
    /// start or `resetCounters()`); the others pass.
    public func inject(_ fault: Fault, onRequests numbers: Set<Int>) {
        state.withLock { $0.rule = .onRequests(Dictionary(uniqueKeysWithValues: numbers.map { ($0, fault) })) }
    }

    /// Injects the given fault into each numbered request.
    public func inject(_ faults: [Int: Fault]) {
        state.withLock { $0.rule = .onRequests(faults) }
    }

    /// Fails each request with `probability`, with one of `faults`. Which requests fail,
    /// and how, depends only on the seed and the request's number, so a run can be
    /// replayed (as far as concurrent requests arrive in the same order).
    /// `operations` limits the faults to those kinds (GET, PUT, HEAD, DELETE, LIST, POST).
    public func injectRandomly(probability: Double, seed: UInt64, faults: [Fault], operations: Set<String>? = nil) {
        precondition(!faults.isEmpty)
        state.withLock { $0.rule = .random(probability: probability, seed: seed, faults: faults, operations: operations) }
    }

    /// Fails every request (of those kinds, if given) with `fault`.
    public func failEveryRequest(with fault: Fault, operations: Set<String>? = nil) {
        state.withLock { $0.rule = .every(fault, operations: operations) }
    }

    /// Decides per request with `rule` (nil: pass).
    public func inject(_ rule: @escaping @Sendable (Request) -> Fault?) {
        state.withLock { $0.rule = .custom(rule) }
    }

    /// Every request passes from now on.
    public func clearFaults() {
        state.withLock { $0.rule = .none }
    }

    /// Forgets the requests seen; numbering starts again at 1.
    public func resetCounters() {
        state.withLock {
            $0.nextNumber = 1
            $0.events = []
        }
    }

    // MARK: What happened

    /// Every request so far, in order of arrival, with its fault.
    public var events: [Event] { state.withLock { $0.events } }

    /// Requests so far by operation (GET, PUT, HEAD, DELETE, LIST, POST), faulted or not.
    public var requestCounts: [String: Int] {
        state.withLock { state in state.events.reduce(into: [:]) { $0[$1.request.operation, default: 0] += 1 } }
    }

    /// Requests so far by HTTP method.
    public var methodCounts: [String: Int] {
        state.withLock { state in state.events.reduce(into: [:]) { $0[$1.request.method, default: 0] += 1 } }
    }

    public var totalRequests: Int { state.withLock { $0.events.count } }

    /// How many requests were given each fault.
    public var injectedFaults: [Fault: Int] {
        state.withLock { state in state.events.reduce(into: [:]) { if let fault = $1.fault { $0[fault, default: 0] += 1 } } }
    }

    public var injectedFaultCount: Int { state.withLock { $0.events.count { $0.fault != nil } } }

    // MARK: Stopping

    /// Stops accepting, and ends every open connection (a stalled answer is abandoned).
    /// Returns at once; threads still serving see the end within milliseconds.
    public func stop() {
        let open = connections.withLock { connections -> [LoopbackSocket]? in
            defer { connections = nil }
            return connections.map { Array($0.values) }
        }
        guard let open else { return }
        listener.withLock { $0?.shutdown() }  // the acceptor wakes, and closes it
        for socket in open { socket.shutdown() }
    }

    private var isStopped: Bool { connections.withLock { $0 == nil } }

    private func track(_ socket: LoopbackSocket) -> Bool {
        connections.withLock { connections in
            guard connections != nil else { return false }
            connections![ObjectIdentifier(socket)] = socket
            return true
        }
    }

    private func untrack(_ socket: LoopbackSocket) {
        _ = connections.withLock { $0?.removeValue(forKey: ObjectIdentifier(socket)) }
    }

    // MARK: Serving

    private static func operation(method: String, target: String) -> String {
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        if method == "GET" && (segments.count <= 1 || target.contains("list-type=")) { return "LIST" }
        return method
    }

    /// SplitMix64 of the seed and the request number: the same request number gets the
    /// same verdict on every run.
    private static func mix(_ seed: UInt64, _ number: Int, _ salt: UInt64) -> UInt64 {
        var z = seed &+ UInt64(number) &* 0x9E37_79B9_7F4A_7C15 &+ salt &* 0xD1B5_4A32_D192_ED03
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private func admit(_ head: HTTPHead, bodyBytes: Int) -> (Request, Fault?) {
        state.withLock { state in
            let request = Request(number: state.nextNumber, method: head.method, target: head.target,
                                  operation: Self.operation(method: head.method, target: head.target), bodyBytes: bodyBytes, head: head)
            state.nextNumber += 1
            let fault: Fault?
            switch state.rule {
            case .none: fault = nil
            case .onRequests(let faults): fault = faults[request.number]
            case .random(let probability, let seed, let faults, let operations):
                if let operations, !operations.contains(request.operation) {
                    fault = nil
                } else {
                    let draw = Double(Self.mix(seed, request.number, 1) >> 11) / Double(1 << 53)
                    fault = draw < probability ? faults[Int(Self.mix(seed, request.number, 2) % UInt64(faults.count))] : nil
                }
            case .every(let every, let operations):
                fault = operations.map { $0.contains(request.operation) } ?? true ? every : nil
            case .custom(let decide): fault = decide(request)
            }
            return (request, fault)
        }
    }

    private func record(_ request: Request, _ fault: Fault?, status: Int?) {
        state.withLock { $0.events.append(Event(request: request, fault: fault, status: status, received: request.received)) }
    }

    private static func errorAnswer(status: Int, reason: String, code: String, message: String, keepAlive: Bool) -> [UInt8] {
        let body = Array("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>\(code)</Code><Message>\(message)</Message><RequestId>FAULTPROXY</RequestId></Error>
            """.utf8)
        let head = HTTPHead(startLine: "HTTP/1.1 \(status) \(reason)", fields: [
            ("Content-Type", "application/xml"),
            ("Content-Length", "\(body.count)"),
            ("x-amz-request-id", "FAULTPROXY"),
            ("Connection", keepAlive ? "keep-alive" : "close"),
        ])
        return head.bytes + body
    }

    /// Serves one client connection until it closes, a fault ends it, or the proxy stops.
    private func serve(_ client: LoopbackSocket) {
        let reader = HTTPReader(client)
        while !isStopped {
            // The request, whole.
            guard let (head, rawHead) = (try? reader.readHead()) ?? nil else { return }
            if head.has("Expect", token: "100-continue") && head.requestFraming() != .none {
                do { try client.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) } catch { return }
            }
            guard let body = try? reader.readBody(head.requestFraming()) else { return }
            let clientKeepsAlive = !head.has("Connection", token: "close") && head.version != "HTTP/1.0"
            let (request, fault) = admit(head, bodyBytes: body.count)

            switch fault {
            case .internalError?, .slowDown?:
                let answer = fault == .internalError
                    ? Self.errorAnswer(status: 500, reason: "Internal Server Error", code: "InternalError",
                                       message: "We encountered an internal error. Please try again.", keepAlive: clientKeepsAlive)
                    : Self.errorAnswer(status: 503, reason: "Slow Down", code: "SlowDown",
                                       message: "Please reduce your request rate.", keepAlive: clientKeepsAlive)
                record(request, fault, status: fault == .internalError ? 500 : 503)
                do { try client.write(answer) } catch { return }
                if !clientKeepsAlive { return }
                continue
            case .dropBeforeResponse?:
                record(request, fault, status: nil)
                client.shutdown()
                return
            case .resetBeforeResponse?:
                record(request, fault, status: nil)
                client.reset()
                return
            case .hang(let seconds)?:
                record(request, fault, status: nil)
                let until = Date().addingTimeInterval(seconds)
                while Date() < until && !isStopped { usleep(20_000) }
                client.shutdown()
                return
            default:
                break
            }

            // Through the store.
            let answer: [UInt8]
            let status: Int
            var keepAlive = clientKeepsAlive
            do {
                let upstream = try LoopbackSocket.connect(port: upstreamPort)
                defer { upstream.close() }
                guard track(upstream) else { return }
                defer { untrack(upstream) }
                try upstream.write(rawHead + body)
                let upstreamReader = HTTPReader(upstream)
                var responseHead: HTTPHead
                var rawResponseHead: [UInt8]
                repeat {  // interim answers (100 Continue) were already given to the client
                    guard let next = try upstreamReader.readHead() else { throw LoopbackError("the store closed without answering") }
                    (responseHead, rawResponseHead) = next
                } while (100..<200).contains(responseHead.status)
                let framing = responseHead.responseFraming(requestMethod: head.method)
                let responseBody = try upstreamReader.readBody(framing)
                status = responseHead.status
                if framing == .untilClose {
                    keepAlive = false
                    answer = rawResponseHead + responseBody
                } else if responseHead.has("Connection", token: "close") && keepAlive {
                    // The store closes every connection; the proxy keeps the client's open.
                    responseHead.remove("Connection")
                    answer = responseHead.bytes + responseBody
                } else {
                    answer = rawResponseHead + responseBody
                }
            } catch {
                if isStopped { return }
                let reply = Self.errorAnswer(status: 502, reason: "Bad Gateway", code: "BadGateway",
                                             message: "fault proxy: \(error)", keepAlive: false)
                record(request, fault, status: 502)
                try? client.write(reply)
                return
            }
            record(request, fault, status: status)

            switch fault {
            case .stall(let seconds)?:
                let until = Date().addingTimeInterval(seconds)
                while Date() < until {
                    if isStopped { return }
                    usleep(20_000)
                }
            case .dropMidResponse?:
                try? client.write(answer.prefix(answer.count / 2))
                client.shutdown()
                return
            default:
                break
            }
            do { try client.write(answer) } catch { return }
            if !keepAlive { return }
        }
    }
}
