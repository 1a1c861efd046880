import Foundation
@testable import Storage
import Synchronization
import TestSupport
import Testing

/// A server on 127.0.0.1 that answers each request as a script says, and counts the
/// connections it accepted: enough to pin down framing, reuse and failures of HTTPClient.
final class ScriptedServer: @unchecked Sendable {
    enum Answer {
        /// These bytes, then the connection stays open for the next request.
        case send([UInt8])
        /// These bytes, then the connection is closed.
        case sendAndClose([UInt8])
        /// No answer: the connection is closed (or reset) once the request is in.
        case close, reset
        /// Nothing for this long, then the connection is closed.
        case stall(Double)
    }

    struct Received: Sendable {
        let method: String
        let target: String
        let head: String
        let body: [UInt8]
    }

    let port: UInt16
    private let listener: LoopbackSocket
    private let script: @Sendable (Int, Received) -> Answer
    private let state = Mutex<(connections: Int, requests: [Received], open: [LoopbackSocket])>((0, [], []))
    /// Guards `closed`, and is signalled each time the server closes a connection.
    private let closing = NSCondition()
    private var closed = 0

    init(_ script: @escaping @Sendable (_ number: Int, _ request: Received) -> Answer) throws {
        listener = try LoopbackSocket.listen()
        port = listener.localPort
        self.script = script
        Thread.detachNewThread { [self] in
            while let client = listener.accept() {
                state.withLock {
                    $0.connections += 1
                    $0.open.append(client)
                }
                Thread.detachNewThread { self.serve(client) }
            }
            // Only the thread that calls accept may close the listener: closed from stop(),
            // its descriptor number could be reused by another test's listener before this
            // loop calls accept again, and this server would take that test's connections.
            listener.close()
        }
    }

    var connections: Int { state.withLock { $0.connections } }
    var requests: [Received] { state.withLock { $0.requests } }
    var endpoint: HTTPEndpoint { HTTPEndpoint(secure: false, authority: "127.0.0.1:\(port)")! }

    /// Waits until the server has closed its end of `count` connections (the close is then
    /// on its way to the client, over loopback at once); false after `timeout` seconds.
    func waitUntilClosed(_ count: Int, timeout: Double = 10) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        closing.lock()
        defer { closing.unlock() }
        while closed < count {
            guard closing.wait(until: deadline) else { return closed >= count }
        }
        return true
    }

    func stop() {
        listener.shutdown()  // the acceptor wakes, and closes it
        for socket in state.withLock({ $0.open }) { socket.shutdown() }
    }

    private func serve(_ client: LoopbackSocket) {
        let reader = HTTPReader(client)
        defer {
            client.close()
            closing.withLock { closed += 1 }
            closing.broadcast()
        }
        while let (head, raw) = try? reader.readHead() {
            guard let body = try? reader.readBody(head.requestFraming()) else { return }
            let received = Received(method: head.method, target: head.target, head: String(decoding: raw, as: UTF8.self), body: body)
            let number = state.withLock {
                $0.requests.append(received)
                return $0.requests.count
            }
            switch script(number, received) {
            case .send(let bytes): try? client.write(bytes)
            case .sendAndClose(let bytes):
                try? client.write(bytes)
                return
            case .close: return
            case .reset:
                client.reset()
                return
            case .stall(let seconds):
                Thread.sleep(forTimeInterval: seconds)
                return
            }
        }
    }

    static func answer(_ status: Int = 200, headers: [String] = [], body: String = "") -> [UInt8] {
        Array(("HTTP/1.1 \(status) OK\r\n" + (headers + ["Content-Length: \(body.utf8.count)"]).map { $0 + "\r\n" }.joined() + "\r\n" + body).utf8)
    }
}

@Suite struct HTTPClientTests {
    static func client(timeout: Double = 5) -> HTTPClient { HTTPClient(timeout: timeout, maxConnections: 4) }

    @Test func endpointsAreParsed() {
        #expect(HTTPEndpoint(secure: true, authority: "s3.amazonaws.com").map { [$0.host, "\($0.port)"] } == ["s3.amazonaws.com", "443"])
        #expect(HTTPEndpoint(secure: false, authority: "127.0.0.1:9000").map { [$0.host, "\($0.port)"] } == ["127.0.0.1", "9000"])
        #expect(HTTPEndpoint(secure: false, authority: "[::1]:9000").map { [$0.host, "\($0.port)"] } == ["::1", "9000"])
        #expect(HTTPEndpoint(secure: false, authority: "[::1]").map { "\($0.port)" } == "80")
        for bad in ["", ":80", "host:", "host:99999", "[::1", "[::1]x"] {
            #expect(HTTPEndpoint(secure: false, authority: bad) == nil, "\(bad)")
        }
    }

    /// Three requests with bodies of known length go over one kept-alive connection; the
    /// request carries Host and Content-Length, and the body arrives intact.
    @Test func lengthFramedAnswersReuseTheConnection() throws {
        let server = try ScriptedServer { number, request in
            .send(ScriptedServer.answer(headers: ["X-Number: \(number)"], body: "answer \(number) to \(request.body.count) bytes"))
        }
        defer { server.stop() }
        let client = Self.client()
        for number in 1...3 {
            let body = Data(repeating: UInt8(number), count: number * 100_000)
            let response = try client.send(HTTPRequest(method: "PUT", target: "/bucket/key?x=\(number)", body: body), to: server.endpoint)
            #expect(response.status == 200)
            #expect(response.headers["x-number"] == "\(number)")
            #expect(String(decoding: response.body, as: UTF8.self) == "answer \(number) to \(number * 100_000) bytes")
        }
        #expect(server.connections == 1)
        let first = server.requests[0]
        #expect(first.method == "PUT" && first.target == "/bucket/key?x=1")
        #expect(first.head.contains("Host: 127.0.0.1:\(server.port)\r\n") && first.head.contains("Content-Length: 100000\r\n"))
    }

    /// Chunked answers (with extensions and trailers), HEAD answers that announce a length
    /// they do not carry, and interim 100 Continue heads are all read right, and the
    /// connection stays usable after each.
    @Test func chunkedHeadAndInterimAnswers() throws {
        let server = try ScriptedServer { _, request in
            switch request.target {
            case "/chunked":
                return .send(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n".utf8))
            case "/head":
                return .send(Array("HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n".utf8))
            default:
                return .send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8) + ScriptedServer.answer(204))
            }
        }
        defer { server.stop() }
        let client = Self.client()
        let chunked = try client.send(HTTPRequest(method: "GET", target: "/chunked"), to: server.endpoint)
        #expect(String(decoding: chunked.body, as: UTF8.self) == "hello world")
        let head = try client.send(HTTPRequest(method: "HEAD", target: "/head"), to: server.endpoint)
        #expect(head.status == 200 && head.body.isEmpty && head.headers["content-length"] == "12345")
        let interim = try client.send(HTTPRequest(method: "DELETE", target: "/other"), to: server.endpoint)
        #expect(interim.status == 204)
        let again = try client.send(HTTPRequest(method: "GET", target: "/chunked"), to: server.endpoint)
        #expect(again.body.count == 11)
        #expect(server.connections == 1)
    }

    /// An answer without a length runs to the end of the stream, and the next request
    /// opens a new connection; so does one after `Connection: close`.
    @Test func answersThatEndTheConnection() throws {
        let server = try ScriptedServer { number, _ in
            number == 1 ? .sendAndClose(Array("HTTP/1.1 200 OK\r\n\r\nall of it".utf8))
                : .sendAndClose(ScriptedServer.answer(headers: ["Connection: close"], body: "closing"))
        }
        defer { server.stop() }
        let client = Self.client()
        #expect(try client.send(HTTPRequest(method: "GET", target: "/"), to: server.endpoint).body == Array("all of it".utf8))
        #expect(try client.send(HTTPRequest(method: "GET", target: "/"), to: server.endpoint).body == Array("closing".utf8))
        _ = try client.send(HTTPRequest(method: "GET", target: "/"), to: server.endpoint)
        #expect(server.connections == 3)
    }

    /// A kept-alive connection the server closed while idle is noticed before use, and a
    /// request that meets a connection closing under it is sent again on a new one, once,
    /// without the caller seeing anything, unless it is a POST.
    @Test func closedIdleConnectionsAreReplaced() throws {
        let server = try ScriptedServer { number, _ in
            switch number {
            case 1: .send(ScriptedServer.answer(body: "one"))
            case 2: .close  // the race: the server drops the connection as the request arrives
            case 4: .sendAndClose(ScriptedServer.answer(body: "four"))  // no Connection: close
            default: .send(ScriptedServer.answer(body: "\(number)"))
            }
        }
        defer { server.stop() }
        let client = Self.client()
        #expect(try client.send(HTTPRequest(method: "GET", target: "/"), to: server.endpoint).body == Array("one".utf8))
        #expect(try client.send(HTTPRequest(method: "GET", target: "/"), to: server.endpoint).body == Array("3".utf8))
        #expect(try client.send(HTTPRequest(method: "GET", target: "/"), to: server.endpoint).body == Array("four".utf8))
        // The server has closed both connections (after answers 2 and 4): the client must notice.
        #expect(server.waitUntilClosed(2), "the server closes the second connection")
        #expect(try client.send(HTTPRequest(method: "GET", target: "/"), to: server.endpoint).body == Array("5".utf8))
        #expect(server.connections == 3)
        #expect(server.requests.count == 5)

        let posts = try ScriptedServer { number, _ in number == 2 ? .close : .send(ScriptedServer.answer(body: "ok")) }
        defer { posts.stop() }
        _ = try client.send(HTTPRequest(method: "POST", target: "/"), to: posts.endpoint)
        #expect(throws: HTTPError.self) { try client.send(HTTPRequest(method: "POST", target: "/", body: Data("x".utf8)), to: posts.endpoint) }
        #expect(posts.requests.count == 2)
    }

    /// Cut answers, resets, stalls and refused connections are typed errors (never a short
    /// body taken for a whole one), each within the timeout.
    @Test func transportFailuresAreErrors() throws {
        let server = try ScriptedServer { _, request in
            switch request.target {
            case "/cut": .sendAndClose(Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly forty".utf8))
            case "/cut-head": .sendAndClose(Array("HTTP/1.1 200 OK\r\nContent-Le".utf8))
            case "/cut-chunk": .sendAndClose(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc".utf8))
            case "/reset": .reset
            case "/garbage": .sendAndClose(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8))
            default: .stall(3)
            }
        }
        defer { server.stop() }
        let client = Self.client(timeout: 1)
        func failure(_ target: String) -> HTTPError? {
            do {
                _ = try client.send(HTTPRequest(method: "GET", target: target), to: server.endpoint)
                return nil
            } catch { return error }
        }
        guard case .connectionLost(_, let during)? = failure("/cut") else { Issue.record("cut answer accepted"); return }
        #expect(during.contains("10 of 100 bytes"), "\(during)")
        #expect(failure("/cut-head").map { if case .connectionLost = $0 { true } else { false } } == true)
        #expect(failure("/cut-chunk").map { if case .connectionLost = $0 { true } else { false } } == true)
        #expect(failure("/reset").map { if case .connectionLost = $0 { true } else { false } } == true)
        #expect(failure("/garbage").map { if case .malformed = $0 { true } else { false } } == true)
        let start = Date()
        #expect(failure("/stall").map { if case .timedOut = $0 { true } else { false } } == true)
        #expect(Date().timeIntervalSince(start) < 2.5)

        let refused = try LoopbackSocket.freePort()
        do {
            _ = try client.send(HTTPRequest(method: "GET", target: "/"), to: HTTPEndpoint(secure: false, authority: "127.0.0.1:\(refused)")!)
            Issue.record("connected to a closed port")
        } catch {
            guard case .connectFailed = error else { Issue.record("\(error)"); return }
            #expect("\(error)".contains("refused"), "\(error)")
        }
        do {
            _ = try client.send(HTTPRequest(method: "GET", target: "/"), to: HTTPEndpoint(secure: false, authority: "no-such-host.invalid")!)
            Issue.record("resolved .invalid")
        } catch {
            // Retried like a refused connection (resolvers fail in the same outages); the
            // message names the host.
            guard case .unresolvable = error else { Issue.record("\(error)"); return }
            #expect(!error.isPermanent && "\(error)".contains("no-such-host.invalid"), "\(error)")
        }
    }

    /// A server that answers (403) before taking a large body and closes: the answer is
    /// what the caller gets, not the broken pipe.
    @Test func anEarlyAnswerBeatsABrokenPipe() throws {
        let listener = try LoopbackSocket.listen()
        defer { listener.close() }
        Thread.detachNewThread {
            guard let client = listener.accept() else { return }
            _ = try? HTTPReader(client).readHead()
            try? client.write(ScriptedServer.answer(403, body: "<Error><Code>AccessDenied</Code></Error>"))
            Glibc.shutdown(client.fd, Int32(SHUT_WR))
            Thread.sleep(forTimeInterval: 0.3)
            client.reset()
        }
        let response = try Self.client().send(HTTPRequest(method: "PUT", target: "/", body: Data(count: 32 << 20)),
                                               to: HTTPEndpoint(secure: false, authority: "127.0.0.1:\(listener.localPort)")!)
        #expect(response.status == 403)
    }
}
