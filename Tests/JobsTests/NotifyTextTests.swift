import Foundation
import XCTest
@testable import Jobs

/// How a notification reads, independent of any server.
final class NotifyTextTests: XCTestCase {
    func testTheEventOfAReportIsItsWorstStep() {
        var report = NotifyHTTPTests.goodRun
        XCTAssertEqual(JobNotification.event(of: report), .success)
        report.steps.append(StepResult(name: "copy offsite", outcome: .skipped, detail: "not due"))
        XCTAssertEqual(JobNotification.event(of: report), .success)
        report.steps.append(StepResult(name: "files again", outcome: .warning, detail: "2 files could not be read"))
        XCTAssertEqual(JobNotification.event(of: report), .warning)
        report.steps.append(StepResult(name: "check main", outcome: .failed, detail: "pack 1a2b damaged"))
        XCTAssertEqual(JobNotification.event(of: report), .failure)
    }

    func testSlackEscapesItsControlCharacters() {
        var report = NotifyHTTPTests.failedRun
        report.steps[1].detail = "command <stdin> & friends failed"
        let text = SlackMessage.text(JobNotification(report: report, operation: "run", host: "db1"))
        XCTAssertTrue(text.contains("database shop: failed, 0.5 s, command &lt;stdin&gt; &amp; friends failed"), text)
    }

    func testHealthchecksKeepsTheEndOfALongLog() {
        var report = NotifyHTTPTests.goodRun
        report.steps = (1...400).map { StepResult(name: "step \($0)", outcome: .ok, detail: String(repeating: "x", count: 100)) }
        let body = String(decoding: HealthchecksPing.body(JobNotification(report: report, operation: "run", host: "db1")), as: UTF8.self)
        XCTAssertLessThanOrEqual(body.utf8.count, HealthchecksPing.bodyLimit + 10)
        XCTAssertTrue(body.hasPrefix("…\n"))
        XCTAssertTrue(body.contains("step 400: ok"))
    }

    func testAMailWithOtherCharactersIsQuotedPrintableWithAnEncodedSubject() {
        var report = NotifyHTTPTests.goodRun
        report.job = "nächtlich"
        report.steps[0].detail = "snapshot 0a0b0c0d: /srv/Ärzte"
        let message = EmailMessage(JobNotification(report: report, operation: "run", host: "db1"), from: "a@example", to: ["b@example"])
        let text = String(decoding: message.rendered, as: UTF8.self)
        XCTAssertTrue(text.contains("Subject: =?UTF-8?B?"), text)
        XCTAssertTrue(text.contains("Content-Transfer-Encoding: quoted-printable\r\n"), text)
        XCTAssertTrue(text.contains("/srv/=C3=84rzte"), text)
        XCTAssertTrue(message.rendered.allSatisfy { $0 < 0x80 }, "7-bit on the wire")
    }

    func testAFailureBeforeAnyStepKeepsTheEndOfItsError() {
        let error = (1...30).map { "line \($0)" }.joined(separator: "\n") + "\n" + String(repeating: "y", count: 1000)
        let notification = JobNotification.failure(job: "nightly", operation: "run", host: "db1", error: error)
        let lines = notification.error?.components(separatedBy: "\n") ?? []
        XCTAssertEqual(lines.count, JobNotification.tailLines)
        XCTAssertEqual(lines.first, "line 22")
        XCTAssertEqual(lines.last?.count, JobNotification.lineLimit + 1, "cut, with an ellipsis")
        XCTAssertEqual(notification.event, .failure)
        XCTAssertTrue(NotificationText.full(notification).contains("\nerror:\n    line 22\n"))
    }
}
