import Foundation
@testable import Jobs
import Repo
@testable import Storage
import TestSupport
import XCTest

/// Webhook, Slack and healthchecks notifications as a real HTTP receiver on 127.0.0.1 gets
/// them, and what happens when the receiver fails or hangs.
final class NotifyHTTPTests: XCTestCase {
    static let started = Date(timeIntervalSince1970: 1_796_612_400)  // 2026-12-07 03:00:00 UTC

    /// A run whose files were saved and whose database dump failed, with a long stderr.
    static var failedRun: RunReport {
        var report = RunReport(job: "nightly", started: started)
        report.seconds = 12.4
        report.steps = [
            StepResult(name: "files", outcome: .ok, seconds: 11.9, bytesAdded: 3_355_443, detail: "snapshot 1f2e3d4c: 1204 files, 2.1 GiB",
                       isBackup: true),
            StepResult(name: "database shop", outcome: .failed, seconds: 0.5,
                       detail: (1...14).map { "pg_dump: line \($0)" }.joined(separator: "\n"), isBackup: true),
        ]
        return report
    }

    static var goodRun: RunReport {
        var report = RunReport(job: "nightly", started: started)
        report.seconds = 3
        report.steps = [StepResult(name: "files", outcome: .ok, seconds: 2.5, bytesAdded: 1024, detail: "snapshot 0a0b0c0d: 3 files, 4 KiB",
                                   isBackup: true)]
        return report
    }

    static var warnedRun: RunReport {
        var report = goodRun
        report.steps[0].outcome = .warning
        return report
    }

    func send(_ notification: JobNotification, to configs: [NotifierConfig]) -> [String] {
        NotificationDispatcher(notifiers: configs, environment: [:]).send(notification)
    }

    func testAWebhookGetsOneJSONDocumentPerSubscribedEvent() throws {
        let receiver = try NotifyReceiver()
        let ops = NotifierConfig(name: "ops", kind: .webhook, url: "http://127.0.0.1:\(receiver.port)/hooks/T000/SECRET?token=abc",
                                 events: [.start, .success, .failure])
        XCTAssertNil(NotifierConfig.validate(ops))
        XCTAssertEqual(send(.start(job: "nightly", operation: "run", host: "db1", started: Self.started), to: [ops]), [])
        XCTAssertEqual(send(JobNotification(report: Self.goodRun, operation: "run", host: "db1"), to: [ops]), [])
        XCTAssertEqual(send(JobNotification(report: Self.warnedRun, operation: "run", host: "db1"), to: [ops]), [])  // not subscribed
        XCTAssertEqual(send(JobNotification(report: Self.failedRun, operation: "run", host: "db1"), to: [ops]), [])

        let requests = receiver.requests
        XCTAssertEqual(requests.count, 3)
        for request in requests {
            XCTAssertEqual(request.method, "POST")
            XCTAssertEqual(request.target, "/hooks/T000/SECRET?token=abc")
            XCTAssertEqual(request.head.value("Content-Type"), "application/json")
        }
        let start = try requests[0].json()
        XCTAssertEqual(start["version"] as? Int, 1)
        XCTAssertEqual(start["event"] as? String, "start")
        XCTAssertEqual(start["operation"] as? String, "run")
        XCTAssertEqual(start["job"] as? String, "nightly")
        XCTAssertEqual(start["host"] as? String, "db1")
        XCTAssertEqual(start["started"] as? String, "2026-12-07T03:00:00Z")
        XCTAssertEqual(start["summary"] as? String, "repo run nightly on db1: started")
        XCTAssertEqual((start["steps"] as? [Any])?.count, 0)
        XCTAssertTrue(start["error"] is NSNull)

        let success = try requests[1].json()
        XCTAssertEqual(success["event"] as? String, "success")
        XCTAssertEqual(success["bytes_added"] as? Int, 1024)
        XCTAssertEqual(success["seconds"] as? Double, 3)
        XCTAssertEqual(success["summary"] as? String, "repo run nightly on db1: OK")

        let failure = try requests[2].json()
        print("webhook failure body: \(requests[2].text)")
        XCTAssertEqual(failure["event"] as? String, "failure")
        XCTAssertEqual(failure["summary"] as? String, "repo run nightly on db1: FAILED")
        XCTAssertEqual(failure["seconds"] as? Double, 12.4)
        XCTAssertEqual(failure["bytes_added"] as? Int, 3_355_443)  // only the files step added bytes
        let steps = try XCTUnwrap(failure["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["name"] as? String }, ["files", "database shop"])
        XCTAssertEqual(steps.map { $0["outcome"] as? String }, ["ok", "failed"])
        XCTAssertEqual(steps[0]["bytes_added"] as? Int, 3_355_443)
        XCTAssertEqual(steps[0]["seconds"] as? Double, 11.9)
        XCTAssertEqual(steps[0]["detail"] as? String, "snapshot 1f2e3d4c: 1204 files, 2.1 GiB")
        let failures = try XCTUnwrap(failure["failures"] as? [[String: Any]])
        XCTAssertEqual(failures.count, 1)
        XCTAssertEqual(failures[0]["step"] as? String, "database shop")
        XCTAssertEqual(failures[0]["error"] as? [String], (5...14).map { "pg_dump: line \($0)" }, "the last 10 lines")
    }

    func testAFailureBeforeAnyStepNamesItsError() throws {
        let receiver = try NotifyReceiver()
        let ops = NotifierConfig(name: "ops", kind: .webhook, url: "http://127.0.0.1:\(receiver.port)/hook")
        let notification = JobNotification.failure(job: "nightly", operation: "drill", host: "db1",
                                                error: "cannot open repository /backup/repo: no such directory")
        XCTAssertEqual(send(notification, to: [ops]), [])
        let body = try XCTUnwrap(receiver.requests.first).json()
        XCTAssertEqual(body["event"] as? String, "failure")
        XCTAssertEqual(body["operation"] as? String, "drill")
        XCTAssertEqual(body["error"] as? String, "cannot open repository /backup/repo: no such directory")
        XCTAssertEqual((body["steps"] as? [Any])?.count, 0)
        XCTAssertEqual(body["summary"] as? String, "repo drill nightly on db1: FAILED")
    }

    func testSlackGetsAHeadlineAndALinePerStep() throws {
        let receiver = try NotifyReceiver()
        let slack = NotifierConfig(name: "team", kind: .slack, url: "http://127.0.0.1:\(receiver.port)/services/T000/B000/XXXX")
        XCTAssertEqual(slack.events, [.failure, .warning])
        XCTAssertEqual(send(JobNotification(report: Self.goodRun, operation: "run", host: "db1"), to: [slack]), [])
        XCTAssertEqual(send(JobNotification(report: Self.failedRun, operation: "run", host: "db1"), to: [slack]), [])
        let requests = receiver.requests
        XCTAssertEqual(requests.count, 1, "a success is not a default Slack event")
        let body = try XCTUnwrap(requests.first).json()
        XCTAssertEqual(Array(body.keys), ["text"])
        let text = try XCTUnwrap(body["text"] as? String)
        print("slack body: \(requests[0].text)")
        let lines = text.components(separatedBy: "\n")
        XCTAssertEqual(lines[0], "repo run nightly on db1: FAILED")
        XCTAssertEqual(lines[1], "started at 2026-12-07 03:00:00 UTC, took 12.4 s, added 3.2 MiB")
        XCTAssertEqual(lines[2], "files: ok, 11.9 s, +3.2 MiB, snapshot 1f2e3d4c: 1204 files, 2.1 GiB")
        XCTAssertEqual(lines[3], "database shop: failed, 0.5 s, pg_dump: line 1")
        XCTAssertEqual(lines[5], "database shop failed:")
        XCTAssertEqual(lines.last, "    pg_dump: line 14")
    }

    func testHealthchecksPingsStartSuccessAndFail() throws {
        let receiver = try NotifyReceiver()
        let ping = NotifierConfig(name: "ping", kind: .healthchecks, url: "http://127.0.0.1:\(receiver.port)/ping/0b6c-UUID")
        XCTAssertEqual(ping.events, Set(NotificationEvent.allCases))
        XCTAssertEqual(send(.start(job: "nightly", operation: "run", host: "db1", started: Self.started), to: [ping]), [])
        XCTAssertEqual(send(JobNotification(report: Self.goodRun, operation: "run", host: "db1"), to: [ping]), [])
        XCTAssertEqual(send(JobNotification(report: Self.warnedRun, operation: "run", host: "db1"), to: [ping]), [])
        XCTAssertEqual(send(JobNotification(report: Self.failedRun, operation: "run", host: "db1"), to: [ping]), [])
        let requests = receiver.requests
        XCTAssertEqual(requests.map(\.target), ["/ping/0b6c-UUID/start", "/ping/0b6c-UUID", "/ping/0b6c-UUID", "/ping/0b6c-UUID/fail"])
        XCTAssertEqual(requests.map(\.method), ["POST", "POST", "POST", "POST"])
        XCTAssertEqual(requests[0].head.value("Content-Type"), "text/plain; charset=utf-8")
        XCTAssertEqual(requests[0].text, "repo run nightly on db1: started\nstarted at 2026-12-07 03:00:00 UTC\n")
        XCTAssertTrue(requests[2].text.hasPrefix("repo run nightly on db1: WARNING\n"))
        print("healthchecks /fail body: \(requests[3].text)")
        XCTAssertTrue(requests[3].text.hasPrefix("repo run nightly on db1: FAILED\n"))
        XCTAssertTrue(requests[3].text.hasSuffix("    pg_dump: line 14\n"))
    }

    /// A real `repo run` of a job that saves a 100 kB file into a repository in a scratch
    /// directory, created first when `createRepository`, else missing.
    func realRun(createRepository: Bool) throws -> RunReport {
        let job = try ScratchJob("notify-run", createRepository: createRepository)
        defer { job.remove() }
        return try job.run()
    }

    func testAWebhookAboutARealRunThatCouldNotOpenItsRepository() throws {
        let report = try realRun(createRepository: false)
        XCTAssertFalse(report.succeeded)
        let receiver = try NotifyReceiver()
        let ops = NotifierConfig(name: "ops", kind: .webhook, url: "http://127.0.0.1:\(receiver.port)/hook")
        XCTAssertEqual(send(JobNotification(report: report, operation: "run", host: "db1"), to: [ops]), [])
        let body = try XCTUnwrap(receiver.requests.first).json()
        XCTAssertEqual(body["event"] as? String, "failure")
        XCTAssertEqual(body["job"] as? String, "nightly")
        let failures = try XCTUnwrap(body["failures"] as? [[String: Any]])
        XCTAssertEqual(failures.first?["step"] as? String, "open main")
        XCTAssertFalse((failures.first?["error"] as? [String] ?? []).isEmpty)
    }

    func testAWebhookAboutARealRunThatSucceeded() throws {
        let report = try realRun(createRepository: true)
        let receiver = try NotifyReceiver()
        let ops = NotifierConfig(name: "ops", kind: .webhook, url: "http://127.0.0.1:\(receiver.port)/hook", events: [.success])
        XCTAssertEqual(send(JobNotification(report: report, operation: "run", host: "db1"), to: [ops]), [])
        let body = try XCTUnwrap(receiver.requests.first).json()
        print("webhook body of a real run: \(receiver.requests[0].text)")
        XCTAssertEqual(body["event"] as? String, "success")
        let steps = try XCTUnwrap(body["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.first?["name"] as? String, "files")
        XCTAssertEqual(steps.first?["outcome"] as? String, "ok")
        XCTAssertEqual(body["bytes_added"] as? Int, Int(report.bytesAdded))
        XCTAssertGreaterThan(report.bytesAdded, 0)
        XCTAssertEqual((body["failures"] as? [Any])?.count, 0)
    }

    /// One receiver answers 500, one never answers: three attempts each, at the same time,
    /// a warning each that names the host and never the token, all within 15 s.
    func testFailingAndStalledReceiversAreRetriedThenWarnedAbout() throws {
        let failing = try NotifyReceiver(.status(500))
        let stalled = try NotifyReceiver(.stall)
        defer { stalled.stop() }
        let configs = [
            NotifierConfig(name: "ops", kind: .webhook, url: "http://127.0.0.1:\(failing.port)/hooks/T000/SECRET?token=abc", timeout: 2),
            NotifierConfig(name: "ping", kind: .healthchecks, url: "http://127.0.0.1:\(stalled.port)/ping/SECRET-UUID", timeout: 2),
        ]
        let begin = Date()
        let warnings = send(JobNotification(report: Self.failedRun, operation: "run", host: "db1"), to: configs)
        let elapsed = Date().timeIntervalSince(begin)
        print("warnings after \(elapsed) s: \(warnings)")
        XCTAssertEqual(failing.requests.count, 3)
        XCTAssertEqual(stalled.requests.count, 3)
        XCTAssertEqual(warnings.count, 2)
        XCTAssertEqual(warnings.first, "notification ops (webhook) failed after 3 attempts: HTTP 500 from 127.0.0.1")
        XCTAssertTrue(warnings.last?.hasPrefix("notification ping (healthchecks) failed after 3 attempts: 127.0.0.1 did not answer in time") == true,
                      "\(warnings)")
        for warning in warnings {
            XCTAssertFalse(warning.contains("SECRET") || warning.contains("token") || warning.contains("hooks"), warning)
        }
        XCTAssertLessThan(elapsed, 15)
    }

    /// A server that answers a byte at a time keeps every read alive: the dispatcher still
    /// returns within its budget, the notifier reported as not told.
    func testATricklingReceiverCannotHoldTheRunBeyondTheBudget() throws {
        let receiver = try NotifyReceiver(.trickle)
        defer { receiver.stop() }
        let slow = NotifierConfig(name: "slow", kind: .webhook, url: "http://127.0.0.1:\(receiver.port)/hooks/SECRET", timeout: 0.5)
        let dispatcher = NotificationDispatcher(notifiers: [slow], environment: [:], retryDelays: [0.1, 0.1])
        XCTAssertEqual(dispatcher.budget(for: slow), 4.7, accuracy: 0.001)
        let begin = Date()
        let warnings = dispatcher.send(JobNotification(report: Self.failedRun, operation: "run", host: "db1"))
        XCTAssertLessThan(Date().timeIntervalSince(begin), 6)
        XCTAssertEqual(warnings, ["notification slow (webhook) failed: no answer within 5 s"])
    }

    func testAClientErrorIsNotRetried() throws {
        let receiver = try NotifyReceiver(.status(404))
        let ops = NotifierConfig(name: "ops", kind: .webhook, url: "http://127.0.0.1:\(receiver.port)/hooks/SECRET")
        let warnings = send(JobNotification(report: Self.failedRun, operation: "run", host: "db1"), to: [ops])
        XCTAssertEqual(warnings, ["notification ops (webhook) failed: HTTP 404 from 127.0.0.1"])
        XCTAssertEqual(receiver.requests.count, 1)
    }

    func testNobodyListeningIsAWarningNotACrash() throws {
        let port = try LoopbackSocket.freePort()
        let ops = NotifierConfig(name: "ops", kind: .slack, url: "http://127.0.0.1:\(port)/services/SECRET", timeout: 1)
        let warnings = NotificationDispatcher(notifiers: [ops], environment: [:], retryDelays: [0.1, 0.1])
            .send(JobNotification(report: Self.failedRun, operation: "run", host: "db1"))
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].hasPrefix("notification ops (slack) failed after 3 attempts: cannot connect to 127.0.0.1"), warnings[0])
        XCTAssertFalse(warnings[0].contains("SECRET"))
    }

    /// HTTPS with a private CA: trusted through REPO_S3_CA_FILE as the object stores are,
    /// refused for good (one attempt) without it.
    func testHTTPSWithAPrivateCA() throws {
        let receiver = try NotifyHTTPSReceiver()
        let ops = NotifierConfig(name: "ops", kind: .webhook, url: "https://127.0.0.1:\(receiver.port)/hooks/T000/SECRET")
        let notification = JobNotification(report: Self.failedRun, operation: "run", host: "db1")
        let trusted = NotificationDispatcher(notifiers: [ops], environment: ["REPO_S3_CA_FILE": receiver.certificate])
        XCTAssertEqual(trusted.send(notification), [])
        XCTAssertEqual(receiver.requests.count, 1)
        XCTAssertEqual(receiver.requests.first?["path"] as? String, "/hooks/T000/SECRET")
        XCTAssertEqual(receiver.requests.first?["type"] as? String, "application/json")
        let body = try JSONSerialization.jsonObject(with: Data((receiver.requests.first?["body"] as? String ?? "").utf8)) as? [String: Any]
        XCTAssertEqual(body?["summary"] as? String, "repo run nightly on db1: FAILED")

        let warnings = NotificationDispatcher(notifiers: [ops], environment: [:]).send(notification)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.hasPrefix("notification ops (webhook) failed: TLS with 127.0.0.1 failed") == true, "\(warnings)")
        XCTAssertFalse(warnings.joined().contains("SECRET"))
        XCTAssertEqual(receiver.requests.count, 1)
    }
}
