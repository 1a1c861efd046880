import Repo
import Storage

/// The byte level of an SMTP session: reads replies, writes commands, and switches to TLS
/// in place (STARTTLS) or from the first byte (port 465).
final class SMTPConnection {
    let host: String
    private let tcp: TCPStream
    private var stream: ByteStream
    private(set) var isEncrypted = false
    /// Bytes read past the last reply.
    private var pending: [UInt8] = []

    /// A reply longer than this is not from a mail server.
    static let replyLimit = 64 << 10

    init(host: String, port: Int, timeout: Double, implicitTLS: TLSContext?) throws(NotifierFailure) {
        self.host = host
        do {
            tcp = try TCPStream(host: host, port: port, timeout: timeout)
        } catch {
            throw NotifierFailure(error)
        }
        stream = tcp
        if let implicitTLS { try startTLS(implicitTLS) }
    }

    deinit { stream.close() }

    func close() { stream.close() }

    /// Starts TLS on the connection. Bytes that arrived before the handshake would be
    /// plain text injected into the encrypted session (CVE-2011-0411), so there must be none.
    func startTLS(_ context: TLSContext) throws(NotifierFailure) {
        guard pending.isEmpty else { throw NotifierFailure("\(host) sent data before the TLS handshake", transient: false) }
        do {
            stream = try TLSStream(over: tcp, host: host, context: context)
        } catch {
            throw NotifierFailure(error)
        }
        isEncrypted = true
    }

    func send(_ bytes: [UInt8]) throws(NotifierFailure) {
        var failure: HTTPError?
        bytes.withUnsafeBytes { raw in
            do throws(HTTPError) { try stream.write(raw) } catch { failure = error }
        }
        if let failure { throw NotifierFailure(failure) }
    }

    /// Sends one command line and reads its reply.
    func command(_ line: String) throws(NotifierFailure) -> SMTPReply {
        try send(Array("\(line)\r\n".utf8))
        return try readReply()
    }

    func readReply() throws(NotifierFailure) -> SMTPReply {
        var lines: [String] = []
        var size = 0
        while true {
            let line = try readLine()
            size += line.count
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)), size <= Self.replyLimit else {
                throw NotifierFailure("\(host) does not speak SMTP (\(line.prefix(60).debugDescription))", transient: false)
            }
            lines.append(String(decoding: bytes.dropFirst(4), as: UTF8.self))
            if bytes.count == 3 || bytes[3] != UInt8(ascii: "-") { return SMTPReply(code: code, lines: lines) }
        }
    }

    private func readLine() throws(NotifierFailure) -> String {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                var line = pending[..<newline]
                if line.last == 0x0D { line = line.dropLast() }
                pending.removeFirst(newline + 1)
                return String(decoding: line, as: UTF8.self)
            }
            guard pending.count <= Self.replyLimit else { throw NotifierFailure("\(host) sent an overlong line", transient: false) }
            var chunk = [UInt8](repeating: 0, count: 4096)
            var failure: HTTPError?
            let count = chunk.withUnsafeMutableBytes { raw -> Int in
                do throws(HTTPError) { return try stream.read(into: raw) } catch {
                    failure = error
                    return 0
                }
            }
            if let failure { throw NotifierFailure(failure) }
            guard count > 0 else { throw NotifierFailure("\(host) closed the connection", transient: true) }
            pending += chunk[..<count]
        }
    }
}
