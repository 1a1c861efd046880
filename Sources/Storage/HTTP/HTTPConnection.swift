import Foundation

/// One kept-alive HTTP/1.1 connection: writes a request, reads its answer (fixed length,
/// chunked, or up to the close), and says whether it can carry another.
///
/// Bodies with a known length are read straight into the array that is returned, with
/// no intermediate buffer; only the head and chunk framing pass through `buffer`. That
/// array grows as the bytes arrive (`bodyAllocationStep`), never to a length merely claimed.
final class HTTPConnection {
    let endpoint: HTTPEndpoint
    private let stream: ByteStream
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// False once the server asked to close, or the answer ran to the end of the stream.
    private(set) var isReusable = true
    /// Whether any byte of the current answer arrived: a request that failed before that
    /// on a reused connection may simply have met a connection the server had closed.
    private(set) var receivedAnswer = false

    static let headLimit = 64 << 10
    /// Larger than any object a repository writes; a length beyond it is a broken server.
    static let bodyLimit = 1 << 34
    /// Bytes of a body allocated before they arrive. A declared length (Content-Length, a
    /// chunk's size) beyond this is grown into as the bytes come, by at most the size
    /// already received, so that a hostile or broken server cannot make the client
    /// allocate what it merely claims: never more than this plus twice what arrived.
    static let bodyAllocationStep = 1 << 20

    /// `bandwidth`: the limits its bytes count against (nil, or none set: not counted).
    convenience init(endpoint: HTTPEndpoint, timeout: Double, tls: TLSContext?, bandwidth: BandwidthLimits? = nil) throws(HTTPError) {
        let tcp = try TCPStream(host: endpoint.host, port: endpoint.port, timeout: timeout)
        let plain: ByteStream = if let tls { try TLSStream(over: tcp, host: endpoint.host, context: tls) } else { tcp }
        if let bandwidth, bandwidth.isLimited {
            self.init(endpoint: endpoint, stream: LimitedStream(plain, limits: bandwidth))
        } else {
            self.init(endpoint: endpoint, stream: plain)
        }
    }

    /// A connection over a stream already open: TCP or TLS above, or bytes in memory (the
    /// framing tests and the `http-response` fuzz target).
    init(endpoint: HTTPEndpoint, stream: ByteStream) {
        self.endpoint = endpoint
        self.stream = stream
        buffer = .allocate(byteCount: Self.headLimit, alignment: 1)
    }

    deinit {
        stream.close()
        buffer.deallocate()
    }

    var isStale: Bool { start != end || stream.isStale }

    /// Whether its bytes count against bandwidth limits.
    var isLimited: Bool { stream is LimitedStream }

    func close() {
        isReusable = false
        stream.close()
    }

    func exchange(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        receivedAnswer = false
        do {
            try send(request)
        } catch {
            // A server may answer (say, 403) and close before taking the whole body; that
            // answer explains more than the broken pipe.
            isReusable = false
            if let early = try? readResponse(to: request) { return early }
            throw error
        }
        return try readResponse(to: request)
    }

    // MARK: Request

    private func send(_ request: HTTPRequest) throws(HTTPError) {
        var head = "\(request.method) \(request.target) HTTP/1.1\r\nHost: \(endpoint.authority)\r\n"
        for (name, value) in request.headers { head += "\(name): \(value)\r\n" }
        if let body = request.body {
            head += "Content-Length: \(body.count)\r\n"
        } else if request.method == "PUT" || request.method == "POST" {
            head += "Content-Length: 0\r\n"
        }
        head += "\r\n"
        var utf8 = head.utf8CString
        utf8.removeLast()  // the terminating NUL
        var failure: HTTPError?
        utf8.withUnsafeBytes { bytes in
            do throws(HTTPError) { try stream.write(bytes) } catch { failure = error }
        }
        if failure == nil, let body = request.body, !body.isEmpty {
            body.withUnsafeBytes { bytes in
                do throws(HTTPError) { try stream.write(bytes) } catch { failure = error }
            }
        }
        if let failure { throw failure }
    }

    // MARK: Answer

    private func readResponse(to request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        var head = try readHead()
        while (100...199).contains(head.status) { head = try readHead() }  // 100 Continue and friends
        if head.headers["connection"]?.lowercased().contains("close") == true
            || (head.isHTTP10 && head.headers["connection"]?.lowercased().contains("keep-alive") != true) {
            isReusable = false
        }
        let body: [UInt8]
        if request.method == "HEAD" || head.status == 204 || head.status == 304 {
            body = []
        } else if head.headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try readChunkedBody()
        } else if let lengthText = head.headers["content-length"] {
            guard let length = Int(lengthText.trimmingCharacters(in: .whitespaces)), (0...Self.bodyLimit).contains(length) else {
                throw malformed("Content-Length \(lengthText.debugDescription)")
            }
            body = try readBody(length: length)
        } else {
            isReusable = false
            body = try readToEnd()
        }
        return HTTPResponse(status: head.status, headers: head.headers, body: body)
    }

    private struct Head {
        var status: Int
        var isHTTP10: Bool
        var headers: [String: String]
    }

    private func readHead() throws(HTTPError) -> Head {
        var lines: [String] = []
        var headBytes = 0
        while true {
            let line = try readLine(during: lines.isEmpty ? "before the answer" : "in the answer's head")
            headBytes += line.count + 2
            guard headBytes <= Self.headLimit else { throw malformed("a head longer than \(Self.headLimit) bytes") }
            if line.isEmpty {
                if lines.isEmpty { continue }  // tolerated: a stray CRLF between answers
                break
            }
            lines.append(String(decoding: line, as: UTF8.self))
        }
        let statusLine = lines[0].split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]), (100...999).contains(status) else {
            throw malformed("status line \(lines[0].prefix(80).debugDescription)")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw malformed("header line \(line.prefix(80).debugDescription)") }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        return Head(status: status, isHTTP10: statusLine[0] == "HTTP/1.0", headers: headers)
    }

    private func readBody(length: Int) throws(HTTPError) -> [UInt8] {
        var body: [UInt8] = []
        try readBody(length, appendingTo: &body)
        return body
    }

    /// Reads `count` more bytes of body onto the end of `body`, growing it by at most
    /// `max(bodyAllocationStep, body.count)` bytes at a time: what a length only claims is
    /// never allocated before its bytes arrive.
    private func readBody(_ count: Int, appendingTo body: inout [UInt8]) throws(HTTPError) {
        var left = count
        while left > 0 {
            let step = min(left, max(Self.bodyAllocationStep, body.count))
            let offset = body.count
            body.append(contentsOf: repeatElement(0, count: step))
            var failure: HTTPError?
            body.withUnsafeMutableBytes { bytes in
                do throws(HTTPError) { _ = try fill(UnsafeMutableRawBufferPointer(rebasing: bytes[offset...])) } catch { failure = error }
            }
            if let failure { throw failure }
            left -= step
        }
    }

    /// Fills `destination` from what is buffered, then straight from the stream.
    private func fill(_ destination: UnsafeMutableRawBufferPointer) throws(HTTPError) -> Int {
        let buffered = min(end - start, destination.count)
        if buffered > 0 {
            destination.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: buffered)
            start += buffered
        }
        var filled = buffered
        while filled < destination.count {
            let count = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: destination[filled...]))
            guard count > 0 else {
                isReusable = false
                throw HTTPError.connectionLost(host: endpoint.host, during: "mid-answer, after \(filled) of \(destination.count) bytes")
            }
            receivedAnswer = true
            filled += count
        }
        return filled
    }

    private func readChunkedBody() throws(HTTPError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine(during: "in a chunked answer")
            let sizeText = String(decoding: line.prefix { $0 != UInt8(ascii: ";") }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard let size = Int(sizeText, radix: 16), size >= 0, body.count + size <= Self.bodyLimit else {
                throw malformed("chunk size \(sizeText.prefix(20).debugDescription)")
            }
            if size == 0 { break }
            try readBody(size, appendingTo: &body)
            guard try readLine(during: "in a chunked answer").isEmpty else { throw malformed("chunk without its CRLF") }
        }
        while try !readLine(during: "in the trailers of a chunked answer").isEmpty {}
        return body
    }

    private func readToEnd() throws(HTTPError) -> [UInt8] {
        var body = [UInt8](UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
        start = 0
        end = 0
        while true {
            let count = try stream.read(into: buffer)
            if count == 0 { return body }
            guard body.count + count <= Self.bodyLimit else { throw malformed("an answer longer than \(Self.bodyLimit) bytes") }
            receivedAnswer = true
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// The next line without its CRLF (a bare LF is accepted too).
    private func readLine(during: String) throws(HTTPError) -> [UInt8] {
        var searched = start
        while true {
            if let newline = (searched..<end).first(where: { buffer[$0] == 0x0A }) {
                var lineEnd = newline
                if lineEnd > start && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = [UInt8](UnsafeRawBufferPointer(rebasing: buffer[start..<lineEnd]))
                start = newline + 1
                return line
            }
            searched = end
            if start > 0 {
                // Make room: move the partial line to the front.
                let pending = end - start
                if pending > 0 { memmove(buffer.baseAddress!, buffer.baseAddress! + start, pending) }
                searched -= start
                end = pending
                start = 0
            }
            guard end < buffer.count else { throw malformed("a line longer than \(buffer.count) bytes") }
            let count = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            guard count > 0 else {
                isReusable = false
                throw HTTPError.connectionLost(host: endpoint.host, during: during)
            }
            receivedAnswer = true
            end += count
        }
    }

    private func malformed(_ what: String) -> HTTPError {
        isReusable = false
        return .malformed(host: endpoint.host, reason: what)
    }
}
