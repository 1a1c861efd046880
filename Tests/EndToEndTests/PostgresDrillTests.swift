import DatabaseServers
import Foundation
import Testing

/// `repo drill` of a postgres-physical source against a real PostgreSQL: the job's base
/// backup restored to the end of the archived WAL into scratch, a throwaway server started
/// on it, the job's assertions run there, and nothing left behind (no server, no scratch
/// directory, no WAL archived by the copy).
@Suite(.serialized)
struct PostgresDrillTests {
    @Test func drillsABaseBackupThroughAThrowawayServer() throws {
        let workspace = try PostgresPITRTests.workspace("pgdrill")
        defer { workspace.remove() }
        try workspace.initRepository()
        let server = try PostgresServer.start(archiving: .init(command: PostgresPITRTests.archiveCommand(workspace)))
        defer { server.stop() }
        try server.sql("CREATE TABLE drilled (n int); INSERT INTO drilled SELECT generate_series(1, 42)")

        let scratch = workspace.path("scratch")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        if geteuid() == 0 { _ = try runProgram("/bin/chown", ["postgres:postgres", scratch]) }
        let environment: [String: String?] = ["REPO_CONFIG": workspace.path("jobs.toml"), "REPO_STATE_DIR": workspace.path("state"),
                                              "TMPDIR": scratch]
        func writeJob(expect: String) throws {
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
                [[job.cluster.drill]]
                database = "main"
                query = "SELECT count(*) FROM drilled"
                expect = "\(expect)"
                """)
        }
        try writeJob(expect: "= 50")
        let run = try workspace.repo(["run", "cluster"], environment: environment, timeout: 180)
        #expect(run.status == 0, "\(run)")

        // Rows written after the base backup reach the drill only through the archived WAL.
        try server.sql("INSERT INTO drilled SELECT generate_series(43, 50)")
        let last = try server.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
        try server.sql("SELECT pg_switch_wal()")
        try PostgresPITRTests.waitArchived(server, upTo: last)
        let archived = try workspace.repo("wal", "list").stdoutLines

        let start = Date()
        let drill = try workspace.repo(["drill", "cluster"], environment: environment, timeout: 150)
        let seconds = Date().timeIntervalSince(start)
        #expect(drill.status == 0, "\(drill)")
        #expect(drill.out.contains("SELECT count(*) FROM drilled -> 50, expected = 50"), "\(drill)")
        #expect(drill.out.contains("recovered to the end of the archived WAL: LSN "), "\(drill)")
        #expect(drill.out.contains("last transaction "), "\(drill)")
        print("pgdrill: drill with restore, recovery and assertion took \(String(format: "%.1f", seconds)) s")
        try Self.expectNothingLeft(scratch, drill)

        // The copy promoted to timeline 2 but archived nothing (the source server still
        // archives its own timeline 1, so only that may have grown).
        let after = try workspace.repo("wal", "list").stdoutLines
        let fromTheCopy = after.filter { !$0.hasPrefix("00000001") || $0.contains(".partial") }
        #expect(fromTheCopy.isEmpty && !archived.isEmpty, "\(after)")

        try writeJob(expect: "= 7")
        let failing = try workspace.repo(["drill", "cluster"], environment: environment, timeout: 150)
        #expect(failing.status == 16, "\(failing)")
        #expect(failing.combined.contains("SELECT count(*) FROM drilled -> 50, expected = 7"), "\(failing)")
        try Self.expectNothingLeft(scratch, failing)

        // As root, the drill runs its server as postgres (PostgreSQL refuses root).
        guard geteuid() == 0 else { return }
        try writeJob(expect: "= 50")
        workspace.wrapper = []
        let asRoot = try workspace.repo(["drill", "cluster"], environment: environment, timeout: 150)
        #expect(asRoot.status == 0, "\(asRoot)")
        #expect(asRoot.out.contains("SELECT count(*) FROM drilled -> 50, expected = 50"), "\(asRoot)")
        try Self.expectNothingLeft(scratch, asRoot)
    }

    /// No scratch directory and no server process on one is left.
    static func expectNothingLeft(_ scratch: String, _ drill: RunResult) throws {
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty, "\(drill)")
        let processes = try runProgram("/usr/bin/pgrep", ["-f", scratch])
        #expect(processes.status == 1, "a server on the scratch directory is still running: \(processes)")
    }
}
