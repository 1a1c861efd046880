import Foundation

/// The mail an `email` notifier sends: headers a mail system files without suspicion
/// (Date, Message-ID, MIME) and the plain-text form as the body, CRLF line ends.
struct EmailMessage {
    let from: String
    let to: [String]
    let subject: String
    let body: String
    let date: Date
    let messageID: String

    init(_ notification: JobNotification, from: String, to: [String], date: Date = Date()) {
        self.from = from
        self.to = to
        subject = "[repo] " + NotificationText.headline(notification)
        body = NotificationText.details(notification).joined(separator: "\n")
        self.date = date
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        messageID = "<repo.\(Int(date.timeIntervalSince1970)).\(UUID().uuidString.lowercased())@\(domain)>"
    }

    /// The message as DATA carries it, before dot-stuffing. Seven-bit text goes as it is;
    /// anything else (a non-ASCII path, an overlong line) as quoted-printable, which every
    /// server accepts without the 8BITMIME extension.
    var rendered: [UInt8] {
        let plain = body.utf8.allSatisfy { $0 < 0x80 } && body.split(separator: "\n").allSatisfy { $0.utf8.count <= 998 }
        let headers = [
            "Date: \(Self.rfc5322(date))",
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(Self.encodedWord(subject))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: \(plain ? "7bit" : "quoted-printable")",
            "Auto-Submitted: auto-generated",
        ]
        let text = plain ? body.replacingOccurrences(of: "\n", with: "\r\n") : QuotedPrintable.encode(Array(body.utf8))
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + text + "\r\n").utf8)
    }

    /// "Mon, 07 Dec 2026 03:00:00 +0000".
    static func rfc5322(_ date: Date) -> String { UTCTime.format(date, "EEE, dd MMM yyyy HH:mm:ss Z") }

    /// A header value as it may appear: line breaks (from a job or host name) flattened,
    /// and non-ASCII text as an RFC 2047 encoded word.
    static func encodedWord(_ value: String) -> String {
        let flat = value.split(whereSeparator: \.isNewline).joined(separator: " ")
        guard !flat.utf8.allSatisfy({ $0 < 0x80 }) else { return flat }
        return "=?UTF-8?B?\(Data(flat.utf8).base64EncodedString())?="
    }
}
