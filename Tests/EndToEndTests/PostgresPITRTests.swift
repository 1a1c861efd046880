import DatabaseServers
import Foundation
import Testing

/// Point-in-time recovery against a real PostgreSQL: WAL archived by `repo wal push` (the
/// built binary as archive_command), a base backup by `repo pg base-backup`, a restore by
/// `repo pg restore --to-time` into a new data directory, and a second server started on
/// it that must hold exactly what the first held at that moment.
@Suite(.serialized)
struct PostgresPITRTests {
    /// A workspace every repo run of which is made as `postgres` when the tests run as root:
    /// the server's archive_command runs as that user and writes the same repository.
    static func workspace(_ label: String) throws -> Workspace {
        let workspace = try Workspace(label)
        try workspace.password.write(toFile: workspace.path("password"), atomically: true, encoding: .utf8)
        workspace.extraEnvironment = ["REPO_PASSWORD_FILE": workspace.path("password")]
        if geteuid() == 0 {
            let result = try runProgram("/bin/chown", ["-R", "postgres:postgres", workspace.root])
            guard result.status == 0 else { throw HarnessError("chown: \(result)") }
            workspace.wrapper = ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]
        }
        return workspace
    }

    /// The archive_command: this build, the workspace's repository, password file and cache.
    static func archiveCommand(_ workspace: Workspace) -> String {
        "\(repoBinary) wal push --repo \(workspace.repository) --password-file \(workspace.path("password")) --cache-dir \(workspace.cache)/repo %p"
    }

    /// Waits until the server has archived every segment up to the one holding `lsn`.
    static func waitArchived(_ server: PostgresServer, upTo segment: String) throws {
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            let last = try server.sql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
            if !last.isEmpty, last >= segment { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let failed = try server.sql("SELECT failed_count || ' failures, last ' || coalesce(last_failed_wal, '-') FROM pg_stat_archiver")
        throw HarnessError("\(segment) not archived within 90 s (\(failed)); server log: \(server.log.suffix(1500))")
    }

    @Test func restoresToTheMomentOfTheMarker() throws {
        let workspace = try Self.workspace("pitr")
        defer { workspace.remove() }
        try workspace.initRepository()
        let server = try PostgresServer.start(archiving: .init(command: Self.archiveCommand(workspace)))
        defer { server.stop() }
        let connection = ["-h", server.socketDirectory, "-p", String(server.port), "-U", server.superuser]
        try server.run(["pgbench", "-i", "-s", "2", "-q"] + connection + ["postgres"])

        let backup = try workspace.repo(["pg", "base-backup", "--host", server.socketDirectory, "--port", String(server.port),
                                         "--user", server.superuser], timeout: 180)
        #expect(backup.status == 0, "\(backup)")
        #expect(backup.out.contains("base backup: WAL"), "\(backup)")

        try server.run(["pgbench", "-n", "-t", "300", "-c", "2"] + connection + ["postgres"])
        try server.sql("CREATE TABLE marker (step int, at timestamptz DEFAULT clock_timestamp()); INSERT INTO marker (step) VALUES (1)")
        let history = try server.sql("SELECT count(*) FROM pgbench_history")
        let balance = try server.sql("SELECT sum(abalance) FROM pgbench_accounts")
        let moment = try server.sql("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
        Thread.sleep(forTimeInterval: 1.5)
        try server.run(["pgbench", "-n", "-t", "300", "-c", "2"] + connection + ["postgres"])
        try server.sql("INSERT INTO marker (step) VALUES (2)")
        let last = try server.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
        try server.sql("SELECT pg_switch_wal()")
        try Self.waitArchived(server, upTo: last)
        #expect(try server.sql("SELECT count(*) FROM pgbench_history") != history)

        let restoredDirectory = workspace.path("restored")
        let start = Date()
        let restore = try workspace.repo(["pg", "restore", "--into", restoredDirectory, "--to-time", moment], timeout: 180)
        #expect(restore.status == 0, "\(restore)")
        let settings = try String(contentsOfFile: restoredDirectory + "/postgresql.auto.conf", encoding: .utf8)
        #expect(settings.contains("restore_command = '\(repoBinary) wal fetch --repo \(workspace.repository) --password-file \(workspace.path("password")) %f %p'"), "\(settings)")
        #expect(!settings.contains(workspace.password))
        #expect(settings.contains("recovery_target_timeline = 'current'"), "\(settings)")
        #expect(FileManager.default.fileExists(atPath: restoredDirectory + "/recovery.signal"))

        let restored = try PostgresServer.start(existing: restoredDirectory)
        defer { restored.stop() }
        let deadline = Date().addingTimeInterval(120)
        while try restored.sql("SELECT pg_is_in_recovery()") == "t", Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        let seconds = Date().timeIntervalSince(start)
        #expect(try restored.sql("SELECT pg_is_in_recovery()") == "f", "\(restored.log.suffix(2000))")
        #expect(try restored.sql("SELECT string_agg(step::text, ',') FROM marker") == "1", "\(restored.log.suffix(2000))")
        #expect(try restored.sql("SELECT count(*) FROM pgbench_history") == history)
        #expect(try restored.sql("SELECT sum(abalance) FROM pgbench_accounts") == balance)
        print("pitr: restore to \(moment) and recovery took \(String(format: "%.1f", seconds)) s")
        restored.stop()

        // Retention: forgetting the first base backup drops the WAL only it needed.
        #expect(try workspace.repo("check").status == 0)
        let firstStart = Self.firstSegment(backup.out)
        // The second base backup by a job's postgres-physical source.
        try workspace.writeJobFile("""
            [repository.main]
            location = "\(workspace.repository)"
            password-file = "\(workspace.path("password"))"
            [job.cluster]
            repository = "main"
            [[job.cluster.database]]
            type = "postgres-physical"
            name = "main"
            host = "\(server.socketDirectory)"
            port = \(server.port)
            """)
        let second = try workspace.repo(["run", "cluster"], environment: ["REPO_CONFIG": workspace.path("jobs.toml"), "REPO_STATE_DIR": workspace.path("state")],
                                        timeout: 180)
        #expect(second.status == 0, "\(second)")
        let status = try workspace.repo(["status", "cluster"], environment: ["REPO_CONFIG": workspace.path("jobs.toml"), "REPO_STATE_DIR": workspace.path("state")])
        #expect(status.out.contains("WAL archive") && status.out.contains("the recovery point"), "\(status)")
        let newest = try workspace.repo("snapshots", "--tag", "pg-base", "--json").array.last
        #expect(newest?["paths"] as? [String] == ["/databases/postgres-physical/main.tar"], "\(String(describing: newest))")
        let secondStart = (newest?["postgres"] as? [String: Any])?["start_wal"] as? String
        #expect(firstStart != nil && secondStart != nil && firstStart! < secondStart!, "\(backup.out) \(String(describing: newest))")
        let backups = try workspace.repo("snapshots", "--tag", "pg-base", "--json").array.compactMap { $0["id"] as? String }
        #expect(backups.count == 2)
        let forget = try workspace.repo("forget", backups[0])
        #expect(forget.status == 0, "\(forget)")
        #expect(forget.out.contains("WAL file(s) older than the oldest base backup"), "\(forget)")
        var names = try workspace.repo("wal", "list").stdoutLines.compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(!names.contains(firstStart ?? "") && names.contains(secondStart ?? ""), "\(names)")

        // A hole in the chain after a kept base backup is damage that check names.
        for step in 3...7 {
            try server.sql("INSERT INTO marker (step) VALUES (\(step))")
            let current = try server.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
            try server.sql("SELECT pg_switch_wal()")
            try Self.waitArchived(server, upTo: current)
        }
        let listing = try workspace.repo("wal", "list", "--json").array
        names = listing.compactMap { $0["name"] as? String }
        let segments = names.filter { $0.count == 24 && $0.hasPrefix("00000001") && $0 > secondStart ?? "" }.sorted()
        #expect(segments.count >= 3, "\(names)")
        let victim = segments[segments.count / 2]
        let object = listing.first { $0["name"] as? String == victim }?["object"] as? String ?? ""
        try FileManager.default.removeItem(atPath: workspace.repository + "/" + object)
        let check = try workspace.repo("check")
        #expect(check.status == 13, "\(check)")
        #expect(check.err.contains("WAL segment \(victim) is missing"), "\(check)")
    }

    /// The first WAL segment `pg base-backup` reported.
    static func firstSegment(_ output: String) -> String? {
        guard let range = output.range(of: "(first segment ") else { return nil }
        return String(output[range.upperBound...].prefix(24))
    }
}
