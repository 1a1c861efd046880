import Foundation
import XCTest
@testable import Jobs

/// The email notifier against a real SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS with a
/// certificate trusted through `caFile`, AUTH only over TLS, the message as it arrived.
final class NotifyEmailTests: XCTestCase {
    static let user = "backup@example"
    static let password = "s3cret-Pa55"

    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("notify-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: scratch)
    }

    func passwordFile(_ password: String) throws -> String {
        let path = scratch.appendingPathComponent("smtp-password").path
        try "\(password)\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func mail(_ server: NotifySMTPServer, password: String) throws -> NotifierConfig {
        NotifierConfig(name: "mail", kind: .email, smtpHost: "127.0.0.1", smtpPort: Int(server.port), from: "backup@example",
                       to: ["ops@example", "dba@example"], passwordFile: try passwordFile(password), timeout: 5)
    }

    static var failure: JobNotification { JobNotification(report: NotifyHTTPTests.failedRun, operation: "run", host: "db1") }

    func testAMailGoesOutOverSTARTTLSAfterAUTH() throws {
        let server = try NotifySMTPServer(user: Self.user, password: Self.password)
        let config = try mail(server, password: Self.password)
        XCTAssertNil(NotifierConfig.validate(config))
        let warnings = NotificationDispatcher(notifiers: [config], caFile: server.certificate, environment: [:]).send(Self.failure)
        XCTAssertEqual(warnings, [])

        let attempts = try server.authAttempts()
        XCTAssertEqual(attempts.count, 1)
        XCTAssertEqual(attempts.first?["tls"] as? Bool, true, "AUTH over TLS")
        XCTAssertEqual(attempts.first?["ok"] as? Bool, true)
        XCTAssertEqual(attempts.first?["mechanism"] as? String, "PLAIN")

        let messages = try server.messages()
        XCTAssertEqual(messages.count, 1)
        let (text, envelope) = try XCTUnwrap(messages.first)
        print("SMTP message as received:\n\(text)")
        XCTAssertEqual(envelope["from"] as? String, "backup@example")
        XCTAssertEqual(envelope["to"] as? [String], ["ops@example", "dba@example"])
        XCTAssertEqual(envelope["tls"] as? Bool, true)
        XCTAssertEqual(envelope["authenticated"] as? Bool, true)
        XCTAssertFalse(text.contains(Self.password))

        let parts = text.components(separatedBy: "\r\n\r\n")
        let headers = Dictionary(parts[0].components(separatedBy: "\r\n").map { line -> (String, String) in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            return (String(line[..<colon]), String(line[colon...].dropFirst()).trimmingCharacters(in: .whitespaces))
        }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(headers["From"], "backup@example")
        XCTAssertEqual(headers["To"], "ops@example, dba@example")
        XCTAssertEqual(headers["Subject"], "[repo] repo run nightly on db1: FAILED")
        XCTAssertEqual(headers["MIME-Version"], "1.0")
        XCTAssertEqual(headers["Content-Type"], "text/plain; charset=utf-8")
        XCTAssertEqual(headers["Content-Transfer-Encoding"], "7bit")
        let messageID = try XCTUnwrap(headers["Message-ID"])
        XCTAssertTrue(messageID.hasPrefix("<repo.") && messageID.hasSuffix("@example>"), messageID)
        let date = try XCTUnwrap(headers["Date"])
        XCTAssertNotNil(date.range(of: #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$"#, options: .regularExpression), date)

        let body = parts.dropFirst().joined(separator: "\r\n\r\n").components(separatedBy: "\r\n")
        XCTAssertEqual(body[0], "started at 2026-12-07 03:00:00 UTC, took 12.4 s, added 3.2 MiB")
        XCTAssertEqual(body[1], "files: ok, 11.9 s, +3.2 MiB, snapshot 1f2e3d4c: 1204 files, 2.1 GiB")
        XCTAssertEqual(body[2], "database shop: failed, 0.5 s, pg_dump: line 1")
        XCTAssertEqual(body[4], "database shop failed:")
        XCTAssertEqual(body[5], "    pg_dump: line 5")
        XCTAssertEqual(body[14], "    pg_dump: line 14")
    }

    func testAWrongPasswordIsAWarningThatDoesNotShowIt() throws {
        let server = try NotifySMTPServer(user: Self.user, password: Self.password)
        let wrong = "wr0ng-Pa55word"
        let warnings = NotificationDispatcher(notifiers: [try mail(server, password: wrong)], caFile: server.certificate, environment: [:])
            .send(Self.failure)
        print("wrong password: \(warnings)")
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.hasPrefix("notification mail (email) failed: 127.0.0.1 refused the login of backup@example: 535") == true,
                      "\(warnings)")
        XCTAssertFalse(warnings.joined().contains(wrong) || warnings.joined().contains(Self.password))
        XCTAssertEqual(try server.authAttempts().map { $0["ok"] as? Bool }, [false], "tried once: a refused login is not retried")
        XCTAssertEqual(try server.messages().count, 0)
    }

    func testAPasswordIsNeverSentWithoutTLS() throws {
        let server = try NotifySMTPServer(user: Self.user, password: Self.password, mode: .plain)
        let warnings = NotificationDispatcher(notifiers: [try mail(server, password: Self.password)], environment: [:]).send(Self.failure)
        XCTAssertEqual(warnings, ["notification mail (email) failed: 127.0.0.1 does not offer STARTTLS; the password is not sent in clear"])
        XCTAssertEqual(try server.authAttempts().count, 0)
        XCTAssertEqual(try server.messages().count, 0)
    }

    func testAnUntrustedCertificateStopsTheMail() throws {
        let server = try NotifySMTPServer(user: Self.user, password: Self.password)
        let warnings = NotificationDispatcher(notifiers: [try mail(server, password: Self.password)], environment: [:]).send(Self.failure)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.hasPrefix("notification mail (email) failed: TLS with 127.0.0.1 failed") == true, "\(warnings)")
        XCTAssertEqual(try server.authAttempts().count, 0)
    }

    func testWithoutAPasswordAMailGoesOutWithoutAUTH() throws {
        let server = try NotifySMTPServer(user: Self.user, password: Self.password, mode: .plain)
        var config = try mail(server, password: Self.password)
        config.passwordFile = nil
        config.events = [.success]
        let success = JobNotification(report: NotifyHTTPTests.goodRun, operation: "drill", host: "db1")
        XCTAssertEqual(NotificationDispatcher(notifiers: [config], environment: [:]).send(success), [])
        let messages = try server.messages()
        XCTAssertEqual(messages.count, 1)
        XCTAssertEqual(messages.first?.envelope["authenticated"] as? Bool, false)
        XCTAssertTrue(messages.first?.text.contains("Subject: [repo] repo drill nightly on db1: OK\r\n") == true)
    }

    /// Port 465's TLS from the first byte (the client is told so directly: the test cannot
    /// count on binding 465 itself).
    func testImplicitTLSSendsTheWholeSessionEncrypted() throws {
        let server = try NotifySMTPServer(user: Self.user, password: Self.password, mode: .implicit)
        let client = SMTPClient(host: "127.0.0.1", port: Int(server.port), timeout: 5, trustedCertificates: server.certificate,
                                credentials: .init(user: Self.user, password: Array(Self.password.utf8)), implicitTLS: true)
        let message = EmailMessage(Self.failure, from: "backup@example", to: ["ops@example"])
        try client.send(from: "backup@example", to: ["ops@example"], message: message.rendered)
        XCTAssertEqual(try server.authAttempts().map { $0["tls"] as? Bool }, [true])
        XCTAssertEqual(try server.messages().first?.envelope["tls"] as? Bool, true)
        XCTAssertEqual(SMTPClient(host: "h", port: 465, timeout: 1, trustedCertificates: nil, credentials: nil).implicitTLS, true)
        XCTAssertEqual(SMTPClient(host: "h", port: 587, timeout: 1, trustedCertificates: nil, credentials: nil).implicitTLS, false)
    }
}
