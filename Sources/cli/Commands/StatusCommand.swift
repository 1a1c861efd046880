import Foundation
import Jobs
import Repo

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
        let file = try JobCommands.loadFile(context)
        var maxAge: TimeInterval?
        if let text = context.arguments.value("max-age") {
            guard let seconds = TimeSpan.parse(text), seconds > 0 else {
                throw UsageError("--max-age needs a duration like 26h or 2d, not \(text.debugDescription)")
            }
            maxAge = seconds
        }
        let jobs = try context.arguments.positionals.first.map { [try file.job($0)] } ?? file.jobNames.compactMap { file.jobs[$0] }
        let stateDirectory = StateDirectory.path(environment: context.environment)
        let statuses = jobs.map { job in
            StatusReader(file: file, access: JobCommands.access(context, job: job), stateDirectory: stateDirectory).status(of: job)
        }
        if let path = context.arguments.value("prometheus") { try PrometheusText.write(PrometheusText.render(statuses), to: path) }
        let stale = maxAge.map { age in statuses.compactMap { $0.staleness(maxAge: age) } } ?? []
        if context.output.json {
            context.output.emit(statuses.map { status in json(status, stale: maxAge.flatMap { status.staleness(maxAge: $0) }) })
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

    private static func json(_ status: JobStatus, stale: String?) -> [String: Any] {
        func record(_ record: JobRecord?) -> Any {
            guard let record else { return NSNull() }
            return ["started": ISO8601DateFormatter().string(from: record.started), "host": record.host, "seconds": record.seconds,
                    "succeeded": record.succeeded, "bytes_added": record.bytesAdded,
                    "steps": record.steps.map { ["name": $0.name, "outcome": $0.outcome, "seconds": $0.seconds,
                                                 "bytes_added": $0.bytesAdded, "detail": $0.detail] }]
        }
        var object: [String: Any] = [
            "job": status.job, "repository": status.repository, "last_run": record(status.lastRun),
            "last_success": status.lastSuccessTime.map { ISO8601DateFormatter().string(from: $0) } ?? NSNull(),
            "last_drill": record(status.lastDrill), "healthy": stale == nil, "problem": status.problem ?? NSNull(),
            "repository_bytes": status.repositoryBytes, "packs": status.packs, "logical_bytes": status.logicalBytes,
            "sources": status.sources.map { source -> [String: Any] in
                var entry: [String: Any] = ["name": source.name, "path": source.path, "snapshots": source.snapshots]
                if let latest = source.latest {
                    entry["latest"] = latest.id
                    entry["latest_time"] = ISO8601DateFormatter().string(from: latest.snapshot.time)
                    entry["latest_bytes"] = latest.snapshot.summary.bytesTotal
                }
                return entry
            },
        ]
        if let stale { object["stale"] = stale }
        if let check = status.lastCheck {
            object["last_check"] = ["started": ISO8601DateFormatter().string(from: check.record.started), "outcome": check.step.outcome,
                                    "detail": check.step.detail]
        }
        return object
    }
}
