import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A webhook receiver on 127.0.0.1 for the notification tests: records every request and
/// answers each with `status`; or (`stall`) reads it and never answers, as a hung service
/// would; or (`trickle`) answers a byte at a time, never finishing, each byte soon enough
/// to keep a client's idle timeout from firing.
final class NotifyReceiver: @unchecked Sendable {
    struct Request {
        let head: HTTPHead
        let body: [UInt8]

        var method: String { head.method }
        var target: String { head.target }
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw LoopbackError("the body is not a JSON object: \(text)")
            }
            return object
        }
    }

    enum Answer { case status(Int), stall, trickle }

    let port: UInt16
    private let answer: Answer
    private let listener: LoopbackSocket
    private let lock = NSLock()
    private var received: [Request] = []
    private var open: [LoopbackSocket] = []

    init(_ answer: Answer = .status(200)) throws {
        self.answer = answer
        listener = try LoopbackSocket.listen()
        port = listener.localPort
        Thread { [self] in
            while let connection = listener.accept() {
                lock.withLock { open.append(connection) }
                Thread { self.serve(connection) }.start()
            }
        }.start()
    }

    deinit { stop() }

    var requests: [Request] { lock.withLock { received } }

    /// Ends the accept loop and every connection, stalled ones included.
    func stop() {
        listener.shutdown()
        for connection in lock.withLock({ open }) { connection.shutdown() }
    }

    private func serve(_ connection: LoopbackSocket) {
        let reader = HTTPReader(connection)
        guard let (head, _) = try? reader.readHead(), let body = try? reader.readBody(head.requestFraming()) else { return }
        lock.withLock { received.append(Request(head: head, body: body)) }
        switch answer {
        case .status(let status):
            try? connection.write(Array("HTTP/1.1 \(status) Whatever\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".utf8))
            connection.close()
        case .stall:
            return  // hold the connection open, say nothing
        case .trickle:
            guard (try? connection.write(Array("HTTP/1.1 200 OK\r\nX-Padding: ".utf8))) != nil else { return }
            while (try? connection.write([UInt8(ascii: "x")])) != nil { Thread.sleep(forTimeInterval: 0.2) }
        }
    }
}
