import Foundation
import Repo
import Storage

/// Hands one message to an SMTP server: EHLO, STARTTLS when offered, AUTH PLAIN or LOGIN
/// when credentials are given (only ever over TLS), MAIL FROM, RCPT TO, DATA, QUIT; or
/// all of it in TLS from the first byte (`implicitTLS`, port 465).
struct SMTPClient {
    struct Credentials {
        let user: String
        let password: [UInt8]
    }

    let host: String
    let port: Int
    let timeout: Double
    let trustedCertificates: String?
    let credentials: Credentials?
    let implicitTLS: Bool

    init(host: String, port: Int, timeout: Double, trustedCertificates: String?, credentials: Credentials?,
         implicitTLS: Bool? = nil) {
        self.host = host
        self.port = port
        self.timeout = timeout
        self.trustedCertificates = trustedCertificates
        self.credentials = credentials
        self.implicitTLS = implicitTLS ?? (port == Self.implicitTLSPort)
    }

    /// Submissions (RFC 8314): TLS from the first byte.
    static let implicitTLSPort = 465

    func send(from: String, to recipients: [String], message: [UInt8]) throws(NotifierFailure) {
        var context: TLSContext?
        func tls() throws(NotifierFailure) -> TLSContext {
            if let context { return context }
            do {
                let made = try TLSContext(trustedCertificates: trustedCertificates)
                context = made
                return made
            } catch {
                throw NotifierFailure(error)
            }
        }
        let connection = try SMTPConnection(host: host, port: port, timeout: timeout,
                                            implicitTLS: implicitTLS ? try tls() : nil)
        defer { connection.close() }
        try expect(connection.readReply(), 220, "greeting")
        var extensions = try hello(connection)
        if !connection.isEncrypted && extensions["STARTTLS"] != nil {
            try expect(connection.command("STARTTLS"), 220, "STARTTLS")
            try connection.startTLS(try tls())
            extensions = try hello(connection)
        }
        if let credentials { try authenticate(connection, credentials, mechanisms: extensions["AUTH"] ?? []) }
        try expect(connection.command("MAIL FROM:<\(from)>"), 250, "MAIL FROM")
        for recipient in recipients {
            try expect(connection.command("RCPT TO:<\(recipient)>"), 250, "RCPT TO \(recipient)")
        }
        try expect(connection.command("DATA"), 354, "DATA")
        try connection.send(Self.dotStuffed(message) + Array(".\r\n".utf8))
        try expect(connection.readReply(), 250, "the message")
        _ = try? connection.command("QUIT")  // delivered already; a server that hangs up first is fine
    }

    private func hello(_ connection: SMTPConnection) throws(NotifierFailure) -> [String: [String]] {
        let reply = try connection.command("EHLO \(Self.helloName)")
        try expect(reply, 250, "EHLO")
        return reply.extensions
    }

    private func authenticate(_ connection: SMTPConnection, _ credentials: Credentials, mechanisms: [String]) throws(NotifierFailure) {
        guard connection.isEncrypted else {
            throw NotifierFailure("\(host) does not offer STARTTLS; the password is not sent in clear", transient: false)
        }
        let user = Array(credentials.user.utf8)
        let reply: SMTPReply
        if mechanisms.contains("PLAIN") {
            reply = try connection.command("AUTH PLAIN " + Self.base64([0] + user + [0] + credentials.password))
        } else if mechanisms.contains("LOGIN") {
            try expect(connection.command("AUTH LOGIN"), 334, "AUTH LOGIN")
            try expect(connection.command(Self.base64(user)), 334, "AUTH LOGIN")
            reply = try connection.command(Self.base64(credentials.password))
        } else {
            throw NotifierFailure("\(host) offers no AUTH PLAIN or LOGIN over TLS", transient: false)
        }
        guard reply.code == 235 else {
            throw NotifierFailure("\(host) refused the login of \(credentials.user): \(reply.summary)", transient: (400...499).contains(reply.code))
        }
    }

    private func expect(_ reply: SMTPReply, _ code: Int, _ step: String) throws(NotifierFailure) {
        // 251 (will forward) is as good as 250.
        guard reply.code == code || (code == 250 && reply.code == 251) else {
            throw NotifierFailure("\(host) refused \(step): \(reply.summary)", transient: (400...499).contains(reply.code))
        }
    }

    /// A line that starts with "." gets another, so that only the final "." ends DATA;
    /// the message ends with CRLF.
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(message.count + 16)
        var lineStart = true
        for byte in message {
            if lineStart && byte == UInt8(ascii: ".") { output.append(byte) }
            output.append(byte)
            lineStart = byte == 0x0A
        }
        if !output.suffix(2).elementsEqual([0x0D, 0x0A]) { output += [0x0D, 0x0A] }
        return output
    }

    private static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// EHLO wants a domain or an address literal; a host name with anything else in it is
    /// replaced by one the server cannot object to.
    static var helloName: String {
        let name = Host.name
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
        return allowed && !name.isEmpty ? name : "[127.0.0.1]"
    }
}
