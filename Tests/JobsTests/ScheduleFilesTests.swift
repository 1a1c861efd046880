import Foundation
import Repo
import XCTest
@testable import Jobs

/// What schedules write: the service and timer (and systemd's verdict on them), the cron
/// lines read back, and installing over an earlier schedule.
final class ScheduleFilesTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "repo-schedule-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func command(_ job: String = "nightly", drill: Bool = false, executable: String = "/usr/local/bin/repo") throws -> ScheduledCommand {
        try ScheduledCommand(job: job, drill: drill, executable: executable, config: "/etc/repo/jobs.toml")
    }

    private func lines(_ text: String) -> Set<String> { Set(text.split(separator: "\n").map(String.init)) }

    func testServiceAndTimerKeyLines() throws {
        let units = SystemdUnits(command: try command(), spec: try ScheduleSpec.parse("daily 03:00"))
        XCTAssertEqual(units.serviceName, "repo-nightly.service")
        XCTAssertEqual(units.timerName, "repo-nightly.timer")
        XCTAssertTrue(lines(units.service).isSuperset(of: [
            "Type=oneshot", "ExecStart=/usr/local/bin/repo run nightly --config /etc/repo/jobs.toml",
            "Nice=19", "IOSchedulingClass=idle", "CPUSchedulingPolicy=batch",
        ]), units.service)
        XCTAssertFalse(units.service.contains("Environment"), "no secrets, nor anything else, inline")
        XCTAssertTrue(lines(units.timer).isSuperset(of: [
            "OnCalendar=*-*-* 03:00:00", "Persistent=true", "RandomizedDelaySec=10min", "AccuracySec=1m",
            "Unit=repo-nightly.service", "WantedBy=timers.target",
        ]), units.timer)
        XCTAssertEqual(SystemdUnits.onCalendar(inTimer: units.timer), "*-*-* 03:00:00")
        XCTAssertTrue(lines(SystemdUnits(command: try command(), spec: .hourly).timer).contains("RandomizedDelaySec=5min"))

        let drill = SystemdUnits(command: try command(drill: true, executable: "/opt/my tools/repo"), spec: .hourly)
        XCTAssertEqual(drill.serviceName, "repo-drill-nightly.service")
        XCTAssertTrue(lines(drill.service).contains("ExecStart=\"/opt/my tools/repo\" drill nightly --config /etc/repo/jobs.toml"), drill.service)
    }

    func testCronLinesReadBack() throws {
        let schedule = try ScheduleSpec.parse("every 6h").cron()
        let table = CronTable(command: try command(), schedule: schedule, user: "root", log: "/var/log/repo-nightly.log")
        XCTAssertEqual(table.line, "0 */6 * * * root /usr/local/bin/repo run nightly --config /etc/repo/jobs.toml --lock-wait 6h"
                                   + " >> /var/log/repo-nightly.log 2>&1 # repo schedule nightly")
        XCTAssertTrue(lines(table.cronDFile).isSuperset(of: ["SHELL=/bin/sh", "PATH=\(CronTable.path)", table.line]))
        let found = CronTable.Found.all(in: table.cronDFile, userField: true)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.job, "nightly")
        XCTAssertEqual(found.first?.drill, false)
        XCTAssertEqual(found.first?.user, "root")
        XCTAssertEqual(found.first?.schedule, schedule)

        let odd = CronTable(command: try ScheduledCommand(job: "v2.web", drill: true, executable: "/opt/a b/repo", config: "/etc/100%.toml"),
                            schedule: schedule, user: nil, log: "/home/u/.local/state/repo/repo-drill-v2.web.log")
        XCTAssertTrue(odd.line.contains("'/opt/a b/repo' drill v2.web --config '/etc/100\\%.toml'"), odd.line)
        XCTAssertEqual(odd.cronDName, "repo-drill-v2_web", "cron skips file names with dots")
        XCTAssertEqual(CronTable.Found.all(in: odd.line, userField: false).first?.job, "v2.web")
        XCTAssertEqual(CronTable.Found.all(in: odd.line, userField: false).first?.drill, true)
    }

    func testUserCrontabKeepsOtherLinesAndReplacesItsOwn() throws {
        let original = "MAILTO=me@example.com\n15 1 * * * /usr/bin/other-backup # repo schedule is mentioned\n"
        let daily = CronTable(command: try command(), schedule: try ScheduleSpec.parse("daily 03:00").cron(), user: nil, log: "/l")
        let hourly = CronTable(command: try command(), schedule: try ScheduleSpec.parse("hourly").cron(), user: nil, log: "/l")
        let once = daily.merged(into: original)
        let twice = hourly.merged(into: once)
        XCTAssertTrue(twice.hasPrefix(original), twice)
        XCTAssertEqual(CronTable.Found.all(in: twice, userField: false).map(\.schedule.description), ["0 * * * *"])
        XCTAssertEqual(CronTable.removing(job: "nightly", drill: false, from: twice), original)
        XCTAssertNil(CronTable.removing(job: "nightly", drill: true, from: twice), "the drill has no line")
    }

    func testInstallingTwiceReplacesAndRemoveDeletes() throws {
        let host = ScheduleHost(root: root, scope: .system, environment: ["HOME": "/root"], systemdRunning: false)
        let installer = ScheduleInstaller(host: host)
        for at in ["daily 03:00", "weekly sun 04:00"] {
            try ScheduleWriter.apply(try installer.install(try command(), at: try ScheduleSpec.parse(at), cron: false)) { _ in }
        }
        let directory = "\(root)/etc/systemd/system"
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["repo-nightly.service", "repo-nightly.timer"])
        let timer = try String(contentsOfFile: "\(directory)/repo-nightly.timer", encoding: .utf8)
        XCTAssertEqual(SystemdUnits.onCalendar(inTimer: timer), "Sun *-*-* 04:00:00")
        let mode = (try FileManager.default.attributesOfItem(atPath: "\(directory)/repo-nightly.timer")[.posixPermissions] as? Int) ?? 0
        XCTAssertEqual(mode, 0o644)

        let plan = try installer.remove(job: "nightly", drill: false, cron: false)
        XCTAssertEqual(plan.actions.first, .run(["systemctl", "disable", "--now", "repo-nightly.timer"], skipped: "--root is given"))
        try ScheduleWriter.apply(plan) { _ in }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
        XCTAssertThrowsError(try installer.remove(job: "nightly", drill: false, cron: false)) { error in
            XCTAssertTrue("\(error)".hasPrefix("no systemd or cron schedule of job nightly is installed"), "\(error)")
        }
    }

    /// systemd's own check of the units, with ExecStart pointing at a real executable.
    func testUnitsPassSystemdAnalyzeVerify() throws {
        guard let analyze = ChildProcess.find("systemd-analyze", path: "/usr/bin:/bin:/usr/sbin:/sbin") else {
            return XCTFail("systemd-analyze is missing: run scripts/setup.sh (it installs systemd for this test)")
        }
        let host = ScheduleHost(root: root, scope: .system, environment: ["HOME": "/root"], systemdRunning: false)
        let executable = ChildProcess.find("true", path: "/usr/bin:/bin")!
        for (job, drill, at) in [("nightly", false, "daily 03:00"), ("web.v2", true, "every 15m"), ("db_1", false, "Mon..Fri 02:30")] {
            let command = try ScheduledCommand(job: job, drill: drill, executable: executable, config: "/etc/repo/jobs.toml")
            try ScheduleWriter.apply(try ScheduleInstaller(host: host).install(command, at: try ScheduleSpec.parse(at), cron: false)) { _ in }
            let directory = "\(root)/etc/systemd/system"
            let units = ["service", "timer"].map { "\(directory)/\(command.name).\($0)" }
            let result = try ChildProcess.run([analyze, "verify"] + units)
            XCTAssertTrue(result.exit.succeeded, "\(at): \(result.exit)")
            XCTAssertEqual(result.exit.stderrTail, "", "\(at): systemd-analyze verify complains")
        }
    }
}
