import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Blocking TCP sockets on 127.0.0.1 and just enough HTTP/1.1 to frame messages: what the
// S3 test helpers (MotoServer, FaultProxy) need, with no dependency. Shared with the
// EndToEndTests and JobsTests targets (TestSupport): it must not import Repo.

/// A failure of the test helpers' own networking (not of the code under test).
public struct LoopbackError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    public static func system(_ what: String) -> LoopbackError { LoopbackError("\(what): \(String(cString: strerror(errno)))") }
}

/// One TCP socket on the loopback interface. Reads and writes block; `shutdown()` from
/// another thread wakes a thread blocked in `accept`, `read` or `write`.
public final class LoopbackSocket: @unchecked Sendable {
    public let fd: Int32
    private let lock = NSLock()
    private var isClosed = false

    private init(fd: Int32) {
        self.fd = fd
        var on: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    private static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian  // 127.0.0.1, never another interface
        return address
    }

    private static func makeSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LoopbackError.system("socket") }
        return fd
    }

    /// A listening socket on 127.0.0.1:`port` (0: a free port the kernel picks).
    public static func listen(port: UInt16 = 0, backlog: Int32 = 128) throws -> LoopbackSocket {
        let fd = try makeSocket()
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = address(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let error = LoopbackError.system("bind 127.0.0.1:\(port)")
            Glibc.close(fd)
            throw error
        }
        return LoopbackSocket(fd: fd)
    }

    /// A free port on 127.0.0.1 right now (bound, then released: another process may
    /// still take it before the caller does, so callers retry on conflict).
    public static func freePort() throws -> UInt16 {
        try listen(port: 0, backlog: 1).localPort
    }

    /// Connects to 127.0.0.1:`port`.
    public static func connect(port: UInt16) throws -> LoopbackSocket {
        let fd = try makeSocket()
        var address = address(port: port)
        var result: Int32
        repeat {
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let error = LoopbackError.system("connect 127.0.0.1:\(port)")
            Glibc.close(fd)
            throw error
        }
        return LoopbackSocket(fd: fd)
    }

    public var localPort: UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// accept4, which Swift's Glibc module does not declare (it needs _GNU_SOURCE): accept
    /// and then FD_CLOEXEC would let a process spawned in between inherit the connection.
    private static let accept4 = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "accept4") else { fatalError("the C library has no accept4") }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32) -> Int32).self)
    }()

    /// The next connection, or nil once the socket is shut down or closed.
    public func accept() -> LoopbackSocket? {
        while true {
            let client = Self.accept4(fd, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
            if client >= 0 { return LoopbackSocket(fd: client) }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    /// Reads and writes give up after `seconds` without progress (0: never).
    public func setTimeout(_ seconds: Double) {
        var time = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Up to `count` bytes; an empty array at the end of the stream (or on any error).
    public func read(upTo count: Int = 1 << 16) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return [] }
            buffer.removeLast(count - n)
            return buffer
        }
    }

    /// Writes all of `bytes`; never raises SIGPIPE (the peer may be gone).
    public func write(_ bytes: some Collection<UInt8>) throws {
        let bytes = Array(bytes)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LoopbackError.system("send")
            }
            offset += n
        }
    }

    /// Ends both directions: wakes any thread blocked on the socket. The descriptor stays
    /// open (and its number taken) until `close()`.
    public func shutdown() {
        lock.withLock {
            if !isClosed { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Closes with a TCP reset instead of an orderly end: the peer sees "connection reset".
    public func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    public func close() {
        lock.withLock {
            if !isClosed {
                isClosed = true
                _ = Glibc.close(fd)
            }
        }
    }
}

/// The start line and header fields of an HTTP/1.1 message.
public struct HTTPHead: Sendable {
    public var startLine: String
    public var fields: [(name: String, value: String)]

    /// The head as received, up to and including the empty line.
    public var bytes: [UInt8] {
        Array((([startLine] + fields.map { "\($0.name): \($0.value)" }).joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    public init(startLine: String, fields: [(name: String, value: String)]) {
        self.startLine = startLine
        self.fields = fields
    }

    public init?(parsing raw: [UInt8]) {
        let text = String(decoding: raw, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        while lines.last == "" { lines.removeLast() }
        guard let first = lines.first, !first.isEmpty else { return nil }
        startLine = first
        fields = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    /// The first field named `name` (case-insensitive).
    public func value(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Whether a comma-separated field holds `token` (case-insensitive).
    public func has(_ name: String, token: String) -> Bool {
        fields.contains { field in
            field.name.caseInsensitiveCompare(name) == .orderedSame
                && field.value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).caseInsensitiveCompare(token) == .orderedSame }
        }
    }

    /// Request line parts: method and target (path and query).
    public var method: String { String(startLine.split(separator: " ").first ?? "") }
    public var target: String { startLine.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
    public var version: String { String(startLine.split(separator: " ").last ?? "") }
    /// Status line: the code (0 if unreadable).
    public var status: Int { startLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0 }

    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// How the body that follows this head is delimited.
    public enum Framing: Equatable { case none, length(Int), chunked, untilClose }

    public func requestFraming() -> Framing {
        if has("Transfer-Encoding", token: "chunked") { return .chunked }
        if let length = value("Content-Length").flatMap(Int.init), length > 0 { return .length(length) }
        return .none
    }

    public func responseFraming(requestMethod: String) -> Framing {
        if requestMethod == "HEAD" || (100..<200).contains(status) || status == 204 || status == 304 { return .none }
        if has("Transfer-Encoding", token: "chunked") { return .chunked }
        if let length = value("Content-Length").flatMap(Int.init) { return length > 0 ? .length(length) : .none }
        return .untilClose
    }
}

/// Reads HTTP messages from a socket, keeping what it read past the end of one message for
/// the next. Bodies come back as the exact bytes received (chunked framing included), so a
/// proxy can pass them on unchanged.
public final class HTTPReader {
    public let socket: LoopbackSocket
    private var buffer: [UInt8] = []

    public init(_ socket: LoopbackSocket) { self.socket = socket }

    private func fill() -> Bool {
        let more = socket.read()
        if more.isEmpty { return false }
        buffer += more
        return true
    }

    /// The next head as raw bytes (through the empty line), nil at the end of the stream.
    public func readHeadBytes(limit: Int = 1 << 16) throws -> [UInt8]? {
        var searchFrom = 0
        while true {
            if buffer.count >= 4 {
                var index = max(0, searchFrom - 3)
                while index + 3 < buffer.count {
                    if buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
                        let head = Array(buffer[..<(index + 4)])
                        buffer.removeFirst(index + 4)
                        return head
                    }
                    index += 1
                }
                searchFrom = buffer.count
            }
            if buffer.count > limit { throw LoopbackError("HTTP head longer than \(limit) bytes") }
            if !fill() {
                if buffer.isEmpty { return nil }
                throw LoopbackError("connection ended inside an HTTP head")
            }
        }
    }

    public func readHead() throws -> (head: HTTPHead, raw: [UInt8])? {
        guard let raw = try readHeadBytes() else { return nil }
        guard let head = HTTPHead(parsing: raw) else { throw LoopbackError("unreadable HTTP head") }
        return (head, raw)
    }

    public func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            if !fill() { throw LoopbackError("connection ended \(count - buffer.count) bytes before the end of a body") }
        }
        let bytes = Array(buffer[..<count])
        buffer.removeFirst(count)
        return bytes
    }

    private func readLine() throws -> [UInt8] {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = Array(buffer[...newline])
                buffer.removeFirst(newline + 1)
                return line
            }
            if !fill() { throw LoopbackError("connection ended inside a chunked body") }
        }
    }

    public func readToEnd() -> [UInt8] {
        while fill() {}
        defer { buffer = [] }
        return buffer
    }

    /// The body as framed, raw.
    public func readBody(_ framing: HTTPHead.Framing) throws -> [UInt8] {
        switch framing {
        case .none: return []
        case .length(let count): return try readExactly(count)
        case .untilClose: return readToEnd()
        case .chunked:
            var raw: [UInt8] = []
            while true {
                let sizeLine = try readLine()
                raw += sizeLine
                let sizeText = String(decoding: sizeLine, as: UTF8.self).split(separator: ";").first?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                guard let size = Int(sizeText, radix: 16) else { throw LoopbackError("bad chunk size \(sizeText.debugDescription)") }
                if size == 0 {
                    while true {  // trailers, then the empty line
                        let line = try readLine()
                        raw += line
                        if line == [13, 10] || line == [10] { return raw }
                    }
                }
                raw += try readExactly(size + 2)
            }
        }
    }

    /// A chunked body without its framing.
    public static func dechunk(_ raw: [UInt8]) -> [UInt8] {
        var body: [UInt8] = []
        var index = 0
        while index < raw.count, let newline = raw[index...].firstIndex(of: 10) {
            let sizeText = String(decoding: raw[index..<newline], as: UTF8.self).split(separator: ";").first?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard let size = Int(sizeText, radix: 16), size > 0, newline + 1 + size <= raw.count else { break }
            body += raw[(newline + 1)..<(newline + 1 + size)]
            index = newline + 1 + size + 2
        }
        return body
    }
}

/// A plain HTTP client for the helpers: one request per connection, to 127.0.0.1 only.
public enum LoopbackHTTP {
    public struct Response: CustomStringConvertible {
        public let status: Int
        public let head: HTTPHead
        public let body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }
        public var description: String { "HTTP \(status) \(text.prefix(500))" }
    }

    /// Moto answers object requests only when they carry an Authorization header (it does
    /// not check signatures by default); requests without one are anonymous and refused.
    public static let unverifiedAuthorization =
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0000"

    public static func request(port: UInt16, method: String, target: String, headers: [String: String] = [:], body: [UInt8] = [],
                        timeout: Double = 30) throws -> Response {
        let socket = try LoopbackSocket.connect(port: port)
        defer { socket.close() }
        socket.setTimeout(timeout)
        var fields: [(name: String, value: String)] = [("Host", "127.0.0.1:\(port)"), ("Content-Length", "\(body.count)"), ("Connection", "close")]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.append((name, value)) }
        try socket.write(HTTPHead(startLine: "\(method) \(target) HTTP/1.1", fields: fields).bytes + body)
        let reader = HTTPReader(socket)
        while true {
            guard let (head, _) = try reader.readHead() else { throw LoopbackError("\(method) \(target): connection closed without an answer") }
            if (100..<200).contains(head.status) { continue }
            var responseBody = try reader.readBody(head.responseFraming(requestMethod: method))
            if head.has("Transfer-Encoding", token: "chunked") { responseBody = HTTPReader.dechunk(responseBody) }
            return Response(status: head.status, head: head, body: responseBody)
        }
    }
}

/// Percent-encoding of an S3 key for a request path (slashes kept).
public func s3PathEncode(_ key: String) -> String {
    let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")
    return key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key
}
