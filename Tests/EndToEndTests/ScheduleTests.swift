import Foundation
import Testing

// `repo schedule`: systemd units and cron files written under a --root tree, what a dry
// run shows, the listing with next runs and the last result of a real run, removal, and
// the one-line errors.

@Suite struct ScheduleTests {
    /// A workspace with a tiny job, `nightly`, and its repository.
    private func scheduleWorkspace(_ label: String) throws -> Workspace {
        let workspace = try jobWorkspace(label)
        try workspace.initRepository(at: workspace.repository)
        let data = workspace.path("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try "hello\n".write(toFile: data + "/index.html", atomically: true, encoding: .utf8)
        try workspace.writeJobFile("""
            [repository.main]
            location = "\(workspace.repository)"
            password-file = "\(workspace.path("password"))"

            [job.nightly]
            repository = "main"
            paths = ["\(data)"]
            """)
        return workspace
    }

    private func contents(_ path: String) -> String {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    private var binary: String { URL(fileURLWithPath: repoBinary).resolvingSymlinksInPath().path }

    @Test func installListAndRemove() throws {
        let workspace = try scheduleWorkspace("schedule")
        defer { workspace.remove() }
        let root = workspace.path("root")
        let config = workspace.path("jobs.toml")
        let units = root + "/etc/systemd/system"

        let dry = try workspace.repo("schedule", "install", "nightly", "--at", "daily 03:00", "--system", "--root", root, "--dry-run")
        #expect(dry.status == 0, "\(dry)")
        #expect(!FileManager.default.fileExists(atPath: root), "a dry run writes nothing")
        #expect(dry.out.contains("would write \(units)/repo-nightly.service (mode 0644):\n"), "\(dry)")
        #expect(dry.stdoutLines.contains("    ExecStart=\(binary) run nightly --config \(config)"), "\(dry)")
        #expect(dry.stdoutLines.contains("    OnCalendar=*-*-* 03:00:00"), "\(dry)")
        #expect(dry.stdoutLines.contains("would not run (--root is given): systemctl enable --now repo-nightly.timer"), "\(dry)")

        let install = try workspace.repo("schedule", "install", "nightly", "--at", "daily 03:00", "--system", "--root", root)
        #expect(install.status == 0, "\(install)")
        let service = contents(units + "/repo-nightly.service")
        let timer = contents(units + "/repo-nightly.timer")
        #expect(service.contains("\nType=oneshot\n") && service.contains("\nExecStart=\(binary) run nightly --config \(config)\n"), "\(service)")
        #expect(service.contains("\nNice=19\n") && service.contains("\nIOSchedulingClass=idle\n"), "\(service)")
        #expect(timer.contains("\nOnCalendar=*-*-* 03:00:00\n") && timer.contains("\nPersistent=true\n"), "\(timer)")
        #expect(install.stdoutLines.contains("not run (--root is given): systemctl daemon-reload"), "\(install)")
        let again = try workspace.repo("schedule", "install", "nightly", "--at", "daily 03:00", "--system", "--root", root)
        #expect(again.status == 0 && contents(units + "/repo-nightly.timer") == timer, "installing twice is the same: \(again)")

        let cron = try workspace.repo("schedule", "install", "nightly", "--at", "every 6h", "--cron", "--system", "--root", root)
        #expect(cron.status == 0, "\(cron)")
        let cronFile = contents(root + "/etc/cron.d/repo-nightly")
        #expect(cronFile.contains("\nPATH="), "\(cronFile)")
        let cronLine = cronFile.split(separator: "\n").last.map(String.init) ?? ""
        #expect(cronLine.hasPrefix("0 */6 * * * "), "\(cronFile)")
        #expect(cronLine.contains(" \(binary) run nightly --config \(config) --lock-wait 6h >> /var/log/repo-nightly.log 2>&1 # repo schedule nightly"),
                "\(cronFile)")
        for written in [service, timer, cronFile] { #expect(!written.contains(workspace.password), "no secret in what is written") }

        let run = try workspace.repo("run", "nightly")
        #expect(run.status == 0, "\(run)")
        let list = try workspace.repo("schedule", "list", "--root", root, "--json")
        #expect(list.status == 0, "\(list)")
        let entries = list.array
        #expect(entries.map { $0["kind"] as? String } == ["systemd", "cron"], "\(list)")
        #expect(entries.map { $0["spec"] as? String } == ["*-*-* 03:00:00", "0 */6 * * *"], "\(list)")
        for entry in entries {
            #expect(entry["job"] as? String == "nightly", "\(entry)")
            #expect((entry["next_run"] as? String)?.isEmpty == false, "a next run: \(entry)")
            let last = entry["last_result"] as? [String: Any]
            #expect(last?["succeeded"] as? Bool == true && last?["seconds"] as? Double != nil, "the run's result: \(entry)")
            #expect(entry["last_success"] is String, "\(entry)")
        }
        let table = try workspace.repo("schedule", "list", "--root", root)
        #expect(table.stdoutLines.count == 3 && table.stdoutLines[1].contains("succeeded"), "\(table)")

        let removeUnits = try workspace.repo("schedule", "remove", "nightly", "--system", "--root", root)
        #expect(removeUnits.status == 0 && removeUnits.stdoutLines.contains("removed \(units)/repo-nightly.timer"), "\(removeUnits)")
        #expect(!FileManager.default.fileExists(atPath: units + "/repo-nightly.service"))
        let removeCron = try workspace.repo("schedule", "remove", "nightly", "--cron", "--system", "--root", root)
        #expect(removeCron.status == 0 && !FileManager.default.fileExists(atPath: root + "/etc/cron.d/repo-nightly"), "\(removeCron)")
        let missing = try workspace.repo("schedule", "remove", "nightly", "--system", "--root", root)
        #expect(missing.status == 1 && missing.stderrLines.count == 1, "\(missing)")
        #expect(missing.err.contains("no systemd or cron schedule of job nightly is installed"), "\(missing)")
        #expect(try workspace.repo("schedule", "list", "--root", root, "--json").array.isEmpty)
    }

    @Test func userCrontabUnderRoot() throws {
        let workspace = try scheduleWorkspace("schedule-user")
        defer { workspace.remove() }
        let root = workspace.path("root")
        let install = try workspace.repo("schedule", "install", "nightly", "--at", "weekly sun 04:00", "--drill", "--cron", "--user", "--root", root)
        #expect(install.status == 0, "\(install)")
        let spool = root + "/var/spool/cron/crontabs"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
        #expect(files.count == 1, "\(install)")
        let crontab = contents(spool + "/" + (files.first ?? ""))
        #expect(crontab.hasPrefix("0 4 * * 0 \(binary) drill nightly --config ") && crontab.hasSuffix(" # repo schedule nightly drill\n"), "\(crontab)")
        let list = try workspace.repo("schedule", "list", "--root", root, "--json")
        #expect(list.array.first?["drill"] as? Bool == true && list.array.first?["scope"] as? String == "user", "\(list)")
        let remove = try workspace.repo("schedule", "remove", "nightly", "--drill", "--cron", "--user", "--root", root)
        #expect(remove.status == 0 && contents(spool + "/" + (files.first ?? "")).isEmpty, "\(remove)")
    }

    @Test func mistakesAreOneLine() throws {
        let workspace = try scheduleWorkspace("schedule-errors")
        defer { workspace.remove() }
        let root = workspace.path("root")
        let bad = try workspace.repo("schedule", "install", "nightly", "--at", "every 7h", "--root", root)
        #expect(bad.status == 2 && bad.stderrLines.count == 1 && bad.err.contains("accepted: `daily HH:MM`"), "\(bad)")
        let rejected = try workspace.repo("schedule", "install", "nightly", "--at", "*-*-* 25:00", "--root", root)
        #expect(rejected.status == 2 && rejected.stderrLines.count == 1, "systemd-analyze judges raw expressions: \(rejected)")
        let noCron = try workspace.repo("schedule", "install", "nightly", "--at", "2030-*-* 03:00", "--cron", "--root", root)
        #expect(noCron.status == 2 && noCron.stderrLines.count == 1 && noCron.err.contains("cannot be written as a cron schedule"), "\(noCron)")
        let unknown = try workspace.repo("schedule", "install", "weekly", "--at", "daily 03:00", "--root", root)
        #expect(unknown.status == 17 && unknown.stderrLines.count == 1 && unknown.err.contains("no job \"weekly\""), "\(unknown)")
        let name = try workspace.repo("schedule", "install", "a/b", "--at", "daily 03:00", "--root", root)
        #expect(name.status == 2 && name.stderrLines.count == 1, "\(name)")
        #expect(!FileManager.default.fileExists(atPath: root), "nothing written by a refused install")
    }
}
