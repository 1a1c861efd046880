import Foundation
import Testing

// Notifications from real runs and drills to a real HTTP receiver: webhook, Slack and
// healthchecks bodies field by field; a broken job file still told; a receiver that
// fails is warned about without changing the exit code or showing the URL's token.

struct NotifyRunTests {
    private func setUp(_ label: String, failing: Bool) throws -> (Workspace, NotifyReceiver) {
        let workspace = try jobWorkspace(label)
        try workspace.initRepository(at: workspace.repository)
        try FileManager.default.createDirectory(atPath: workspace.path("site"), withIntermediateDirectories: true)
        try "index".write(toFile: workspace.path("site/index.html"), atomically: true, encoding: .utf8)
        let receiver = try NotifyReceiver(directory: workspace.root)
        try workspace.writeJobFile(jobFile(workspace, receiver, failing: failing))
        return (workspace, receiver)
    }

    private func jobFile(_ workspace: Workspace, _ receiver: NotifyReceiver, failing: Bool, broken: Bool = false,
                         diskWarning: Int = 85) -> String {
        """
        [repository.main]
        location = "\(workspace.repository)"
        password-file = "\(workspace.path("password"))"
        [notify.ops]
        type = "webhook"
        url = "\(receiver.url)/hooks/T0SECRETTOKEN"
        on = ["start", "success", "warning", "failure"]
        [notify.chat]
        type = "slack"
        url = "\(receiver.url)/slack/B0SECRETTOKEN"
        [notify.ping]
        type = "healthchecks"
        url = "\(receiver.url)/ping/0a1b2c3d"
        [notify.down]
        type = "webhook"
        url = "\(receiver.url)/broken/HIDDENTOKEN"
        on = ["failure"]
        [job.site]
        repository = "main"
        paths = ["\(workspace.path("site"))"]
        disk-warning = \(diskWarning)
        \(broken ? "retention = 3" : "")
        [[job.site.database]]
        type = "command"
        name = "orders"
        command = ["sh", "-c", "\(failing ? "echo 'pg_dump: error: connection to server failed' >&2; exit 1" : "echo orders")"]
        """
    }

    @Test func aSuccessfulRunTellsStartAndSuccess() throws {
        let (workspace, receiver) = try setUp("notify-ok", failing: false)
        defer { receiver.stop(); workspace.remove() }
        let run = try workspace.repo("run", "site")
        #expect(run.status == 0, "\(run)")
        let hooks = receiver.requests(under: "/hooks/")
        #expect(hooks.count == 2, "start and success: \(hooks)")
        let bodies = hooks.compactMap { ($0["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } }
        #expect(bodies.map { $0["event"] as? String } == ["start", "success"], "\(bodies)")
        let success = bodies.last ?? [:]
        #expect(success["job"] as? String == "site" && success["operation"] as? String == "run", "\(success)")
        #expect(int(success, "version") == 1 && success["host"] as? String != nil)
        let steps = success["steps"] as? [[String: Any]] ?? []
        #expect(steps.map { $0["name"] as? String } == ["files", "database orders", "retention main", "check main"], "\(steps)")
        #expect(receiver.requests(under: "/slack/").isEmpty, "slack hears only of problems by default")
        #expect(receiver.requests(under: "/ping/").compactMap { $0["path"] as? String } == ["/ping/0a1b2c3d/start", "/ping/0a1b2c3d"])
        #expect(receiver.requests(under: "/broken/").isEmpty)
        #expect(!run.combined.contains("SECRETTOKEN"))
    }

    @Test func aFailedRunTellsEveryoneAndABrokenReceiverOnlyWarns() throws {
        let (workspace, receiver) = try setUp("notify-fail", failing: true)
        defer { receiver.stop(); workspace.remove() }
        let run = try workspace.repo("run", "site", timeout: 120)
        #expect(run.status == 16, "the receiver's 500 does not change the exit code: \(run)")
        let failure = receiver.requests(under: "/hooks/").last.flatMap { ($0["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } } ?? [:]
        #expect(failure["event"] as? String == "failure", "\(failure)")
        let failures = failure["failures"] as? [[String: Any]] ?? []
        #expect(failures.first?["step"] as? String == "database orders", "\(failure)")
        #expect("\(failures)".contains("connection to server failed"), "the error's tail: \(failure)")
        let slack = receiver.requests(under: "/slack/").first?["body"] as? String ?? ""
        #expect(slack.contains("FAILED") && slack.contains("database orders"), "\(slack)")
        let pings = receiver.requests(under: "/ping/")
        #expect(pings.compactMap { $0["path"] as? String } == ["/ping/0a1b2c3d/start", "/ping/0a1b2c3d/fail"], "\(pings)")
        #expect((pings.last?["body"] as? String)?.contains("connection to server failed") == true, "\(pings)")
        #expect(receiver.requests(under: "/broken/").count == 3, "retried: \(receiver.requests(under: "/broken/").count)")
        #expect(run.err.contains("notification down (webhook)"), "\(run)")
        #expect(!run.combined.contains("HIDDENTOKEN") && !run.combined.contains("SECRETTOKEN"), "\(run)")
    }

    @Test func aBrokenJobFileIsStillTold() throws {
        let (workspace, receiver) = try setUp("notify-broken", failing: false)
        defer { receiver.stop(); workspace.remove() }
        try workspace.writeJobFile(jobFile(workspace, receiver, failing: false, broken: true))
        let run = try workspace.repo("run", "site")
        #expect(run.status == 17, "\(run)")
        let told = receiver.requests(under: "/hooks/").last.flatMap { ($0["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } } ?? [:]
        #expect(told["event"] as? String == "failure", "\(told)")
        #expect("\(told)".contains("unknown key `retention`"), "\(told)")
    }

    /// A repository on a file system fuller than `disk-warning`: the run warns (exit 0) and
    /// the notifiers of warnings hear of it.
    @Test func aFullDiskIsAWarning() throws {
        let (workspace, receiver) = try setUp("notify-disk", failing: false)
        defer { receiver.stop(); workspace.remove() }
        try workspace.writeJobFile(jobFile(workspace, receiver, failing: false, diskWarning: 1))
        let run = try workspace.repo("run", "site", "--json")
        #expect(run.status == 0, "a warning is not a failure: \(run)")
        #expect(run.stepResult("disk main") == "warning", "\(run)")
        #expect(run.stepDetail("disk main").contains("% full (over 1%)"), "\(run)")
        let slack = receiver.requests(under: "/slack/").first?["body"] as? String ?? ""
        #expect(slack.contains("WARNING") || slack.contains("warning"), "slack hears of warnings: \(slack)")
        let event = receiver.requests(under: "/hooks/").last.flatMap { ($0["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } }?["event"] as? String
        #expect(event == "warning")
    }
}
