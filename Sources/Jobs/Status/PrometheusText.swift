import Foundation
import Repo

/// Job status as a node_exporter textfile (`--prometheus FILE`), written to a temporary
/// file and renamed, so the collector never reads half a file.
public enum PrometheusText {
    public static func render(_ statuses: [JobStatus]) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ values: [(labels: String, value: Double?)]) {
            let present = values.compactMap { entry in entry.value.map { (entry.labels, $0) } }
            guard !present.isEmpty else { return }
            lines.append("# HELP repo_\(name) \(help)")
            lines.append("# TYPE repo_\(name) gauge")
            for (labels, value) in present { lines.append("repo_\(name){\(labels)} \(format(value))") }
        }
        let jobs = statuses.map { "job=\"\(escape($0.job))\"" }
        func each(_ value: (JobStatus) -> Double?) -> [(labels: String, value: Double?)] {
            zip(jobs, statuses).map { ($0, value($1)) }
        }
        metric("last_success_timestamp_seconds", "Start of the job's last successful run (Unix time).",
               each { $0.lastSuccessTime?.timeIntervalSince1970 })
        metric("last_run_timestamp_seconds", "Start of the job's last run (Unix time).", each { $0.lastRun?.started.timeIntervalSince1970 })
        metric("last_run_success", "1 when the job's last run succeeded, else 0.", each { $0.lastRun.map { $0.succeeded ? 1 : 0 } })
        metric("last_run_duration_seconds", "How long the job's last run took.", each { $0.lastRun?.seconds })
        metric("last_run_bytes_added", "Bytes the job's last run added to its repository.", each { $0.lastRun.map { Double($0.bytesAdded) } })
        metric("last_drill_success", "1 when the job's last restore drill succeeded, else 0.", each { $0.lastDrill.map { $0.succeeded ? 1 : 0 } })
        metric("last_drill_duration_seconds", "How long the job's last restore drill took (the measured time to recover).",
               each { $0.lastDrill?.seconds })
        metric("repository_stored_bytes", "Bytes of packs in the job's repository.",
               zip(statuses, jobs).map { status, job in
                   ("\(job),repository=\"\(escape(status.repository))\"", status.problem == nil ? Double(status.repositoryBytes) : nil)
               })
        metric("repository_readable", "1 when status could open the job's repository, else 0.", each { $0.problem == nil ? 1 : 0 })
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `text` to `path` through a temporary file beside it.
    public static func write(_ text: String, to path: String) throws {
        do {
            try AtomicFile.write(Array(text.utf8), to: path, mode: 0o644)
        } catch {
            throw StateError.cannotWrite(path, error.reason)
        }
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
