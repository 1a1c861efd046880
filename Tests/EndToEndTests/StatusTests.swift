import Foundation
import Testing

// `repo status`: after a success, a failure, a repository that cannot be opened, and read
// from a second machine (another state directory) through the repository's own records;
// `--max-age` exit codes and the Prometheus textfile.

struct StatusTests {
    /// A job of one directory and one command source; `failing` makes the command fail.
    private func makeJob(_ workspace: Workspace, failing: Bool = false, repository: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: workspace.path("site"), withIntermediateDirectories: true)
        try "index".write(toFile: workspace.path("site/index.html"), atomically: true, encoding: .utf8)
        try workspace.writeJobFile("""
            [repository.main]
            location = "\(repository ?? workspace.repository)"
            password-file = "\(workspace.path("password"))"
            [job.site]
            repository = "main"
            paths = ["\(workspace.path("site"))"]
            [[job.site.database]]
            type = "command"
            name = "orders"
            command = ["sh", "-c", "\(failing ? "echo 'pg_dump: connection refused' >&2; exit 1" : "echo orders")"]
            """)
    }

    @Test func afterSuccessAndFailureWithMaxAgeAndPrometheus() throws {
        let workspace = try jobWorkspace("status")
        defer { workspace.remove() }
        try workspace.initRepository(at: workspace.repository)
        try makeJob(workspace)

        let never = try workspace.repo("status", "--max-age", "26h")
        #expect(never.status == 18 && never.err.contains("no successful run yet"), "\(never)")

        let run = try workspace.repo("run", "site")
        #expect(run.status == 0, "\(run)")
        let prometheus = workspace.path("repo.prom")
        let healthy = try workspace.repo("status", "--max-age", "26h", "--json", "--prometheus", prometheus)
        #expect(healthy.status == 0, "\(healthy)")
        let status = healthy.array.first ?? [:]
        #expect(status["healthy"] as? Bool == true, "\(healthy)")
        #expect((status["last_run"] as? [String: Any])?["succeeded"] as? Bool == true)
        #expect((status["sources"] as? [[String: Any]])?.allSatisfy { int($0, "snapshots") == 1 } == true, "\(healthy)")
        #expect(int(status, "repository_bytes") ?? 0 > 0)
        let text = try String(contentsOfFile: prometheus, encoding: .utf8)
        let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(samples.count == 7, "no drill yet, so no drill metrics: \(text)")
        for sample in samples {
            #expect(sample.range(of: #"^repo_[a-z_]+\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\} -?[0-9.e+]+$"#, options: .regularExpression) != nil, "\(sample)")
        }
        #expect(text.contains("repo_last_run_success{job=\"site\"} 1"), "\(text)")

        try makeJob(workspace, failing: true)
        let failed = try workspace.repo("run", "site")
        #expect(failed.status == 16, "\(failed)")
        let red = try workspace.repo("status", "site", "--max-age", "26h")
        #expect(red.status == 18, "\(red)")
        #expect(red.err.contains("the last run") && red.err.contains("failed: database orders"), "\(red)")
        #expect(red.out.contains("connection refused"), "the failing step's error is shown: \(red)")
    }

    @Test func anOldSuccessTurnsRed() throws {
        let workspace = try jobWorkspace("status-old")
        defer { workspace.remove() }
        try workspace.initRepository(at: workspace.repository)
        try makeJob(workspace)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let run = try workspace.repo("run", "site", "--time", formatter.string(from: Date().addingTimeInterval(-3 * 86400)))
        #expect(run.status == 0, "\(run)")
        let stale = try workspace.repo("status", "--max-age", "26h")
        #expect(stale.status == 18 && stale.err.contains("older than 26h"), "\(stale)")
        let lenient = try workspace.repo("status", "--max-age", "4d")
        #expect(lenient.status == 0, "\(lenient)")
        let bad = try workspace.repo("status", "--max-age", "soon")
        #expect(bad.status == 2, "\(bad)")
    }

    @Test func aRepositoryThatCannotBeOpenedIsStillReported() throws {
        let workspace = try jobWorkspace("status-missing")
        defer { workspace.remove() }
        try makeJob(workspace, repository: workspace.path("no-such-repository"))
        let run = try workspace.repo("run", "site")
        #expect(run.status == 16 && run.err.contains("open main failed"), "\(run)")
        let status = try workspace.repo("status", "--max-age", "26h", "--json")
        #expect(status.status == 18, "\(status)")
        let entry = status.array.first ?? [:]
        #expect((entry["problem"] as? String)?.contains("no-such-repository") == true, "\(status)")
        #expect((entry["last_run"] as? [String: Any])?["succeeded"] as? Bool == false, "the local record of the run: \(status)")
    }

    /// D11 for jobs: status and a database restore read a repository they cannot write
    /// (`locks/` replaced by a file, as NoLockTests does) without a lock, after one note.
    @Test func statusAndDatabaseRestoreReadAnUnwritableRepository() throws {
        let workspace = try jobWorkspace("status-unwritable")
        defer { workspace.remove() }
        try workspace.initRepository(at: workspace.repository)
        try makeJob(workspace)
        let run = try workspace.repo("run", "site")
        try #require(run.status == 0, "\(run)")
        let locks = workspace.repository + "/locks"
        try FileManager.default.removeItem(atPath: locks)
        try FS.writeFile(Array(locks.utf8), Array("not a directory\n".utf8))

        let status = try workspace.repo("status", "--json")
        #expect(status.status == 0, "\(status)")
        let entry = status.array.first ?? [:]
        #expect(entry["problem"] == nil || entry["problem"] is NSNull, "\(status)")
        #expect((entry["sources"] as? [[String: Any]])?.allSatisfy { int($0, "snapshots") == 1 } == true, "\(status)")
        #expect(status.err.contains("reading without a lock"), "\(status)")

        let target = workspace.path("orders.out")
        let restore = try workspace.repo("db", "restore", "orders", "--into", target)
        #expect(restore.status == 0 && restore.err.contains("reading without a lock"), "\(restore)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "orders\n")
    }

    @Test func aSecondHostSeesTheRunsInTheRepository() throws {
        let workspace = try jobWorkspace("status-hosts")
        defer { workspace.remove() }
        try workspace.initRepository(at: workspace.repository)
        try makeJob(workspace)
        let run = try workspace.repo("run", "site")
        #expect(run.status == 0, "\(run)")
        // Another machine: its own (empty) state directory, the same job file and repository.
        let elsewhere = try workspace.repo(["status", "--json", "--max-age", "26h"],
                                           environment: ["REPO_STATE_DIR": workspace.path("other-host-state")])
        #expect(elsewhere.status == 0, "\(elsewhere)")
        let entry = elsewhere.array.first ?? [:]
        #expect((entry["last_run"] as? [String: Any])?["succeeded"] as? Bool == true, "\(elsewhere)")
        #expect(entry["last_check"] != nil, "the run's check is known from the repository: \(elsewhere)")
    }
}
