import Foundation
import Jobs
import Repo
import Storage

/// `repo status`: where each job stands, for people, scripts (`--json`), monitors
/// (`--max-age`, exit code 18) and Prometheus (`--prometheus FILE`).
enum StatusCommand {
    static let spec = CommandSpec(
        "status", summary: "show each job's last run, last success, checks, drills, sources and repository size",
        usage: "[OPTIONS] [JOB]",
        details: """
            Runs and drills are recorded in the job's repository (every host's) and on this machine (also runs that
            could not open the repository). With --max-age, exit status 18 when a job's last run failed or its last
            success is older than DURATION (e.g. 26h): the check a monitoring system runs.
            """,
        options: [
            JobCommands.configOption,
            OptionSpec("max-age", value: "DURATION", "exit 18 when the last success is older than DURATION or the last run failed"),
            OptionSpec("prometheus", value: "FILE", "also write a node_exporter textfile to FILE (atomically)"),
        ],
        positionals: 0...1)

    static func run(_ context: CommandContext) throws -> ExitCode {
        var maxAge: TimeInterval?
        if let text = context.arguments.value("max-age") {
            guard let seconds = TimeSpan.parse(text), seconds > 0 else {
                throw UsageError("--max-age needs a duration like 26h or 2d, more than 0 and at most \(TimeSpan.describe(TimeSpan.maximum)), not \(text.debugDescription)")
            }
            maxAge = seconds
        }
        let file = try JobCommands.loadFile(context)
        let jobs = try context.arguments.positionals.first.map { [try file.job($0)] } ?? file.jobNames.compactMap { file.jobs[$0] }
        let stateDirectory = StateDirectory.path(environment: context.environment)
        let statuses = jobs.map { job in
            StatusReader(file: file, access: JobCommands.access(context, job: job), stateDirectory: stateDirectory).status(of: job)
        }
        if let path = context.arguments.value("prometheus") { try PrometheusText.write(PrometheusText.render(statuses), to: path) }
        let stale = maxAge.map { age in statuses.compactMap { $0.staleness(maxAge: age) } } ?? []
        if context.output.json {
            context.output.emit(statuses.map { status in JobStatusEntry(status, stale: maxAge.flatMap { status.staleness(maxAge: $0) }) })
        } else {
            for status in statuses { show(status, context.output) }
        }
        for line in stale { context.output.warning(line) }
        return stale.isEmpty ? .success : .stale
    }

    private static func show(_ status: JobStatus, _ output: Output) {
        output.line("job \(status.job) (repository \(status.repository): \(status.location))")
        func row(_ label: String, _ text: String) { output.line("  " + label.padding(toLength: 14, withPad: " ", startingAt: 0) + text) }
        let now = Date()
        if let run = status.lastRun {
            let result = run.succeeded ? (run.hasWarnings ? "succeeded with warnings" : "succeeded") : "FAILED (\(run.steps.filter { $0.outcome == "failed" }.map(\.name).joined(separator: ", ")))"
            row("last run", "\(StatusTime.text(run.started)) on \(run.host): \(result) in \(String(format: "%.1f", run.seconds)) s, added \(Format.bytes(run.bytesAdded))")
            for step in run.steps where step.outcome == "failed" || step.outcome == "warning" { row("", "\(step.name): \(step.detail)") }
        } else {
            row("last run", "never")
        }
        row("last success", status.lastSuccessTime.map { "\(StatusTime.text($0)) (\(StatusTime.age(now.timeIntervalSince($0))) ago)" } ?? "never")
        if let check = status.lastCheck {
            row("last check", "\(StatusTime.text(check.record.started)): \(check.step.outcome), \(check.step.detail)")
        }
        if let drill = status.lastDrill {
            row("last drill", "\(StatusTime.text(drill.started)): \(drill.succeeded ? "succeeded" : "FAILED") in \(String(format: "%.1f", drill.seconds)) s")
        }
        if let problem = status.problem {
            row("repository", "cannot be read: \(problem)")
        } else {
            let savings = status.savingsRatio.map { ratio in
                ratio >= 1 ? String(format: ", %.2fx smaller than its %@ of snapshots", ratio, Format.bytes(status.logicalBytes))
                           : ", for \(Format.bytes(status.logicalBytes)) of snapshots"
            } ?? ""
            row("repository", "\(Format.bytes(status.repositoryBytes)) in \(status.packs) packs\(savings)")
            if let wal = status.newestWAL {
                row("WAL archive", "newest segment \(wal.name) archived \(StatusTime.text(wal.archived)) (\(StatusTime.age(now.timeIntervalSince(wal.archived))) ago: the recovery point)")
            }
            for source in status.sources {
                guard let latest = source.latest else {
                    row("", "\(source.name): no snapshot yet")
                    continue
                }
                let s = latest.snapshot
                row("", "\(source.name): \(source.snapshots) snapshot(s), latest \(latest.shortID) \(StatusTime.text(s.time)), \(Format.bytes(s.summary.bytesTotal)), added \(Format.bytes(s.summary.bytesAdded))")
            }
        }
    }
}
