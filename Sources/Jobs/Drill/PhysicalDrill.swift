import Foundation
import Posix
import Repo

/// A drill of a `postgres-physical` source: a point-in-time restore to the end of the
/// archived WAL into a private scratch directory, a throwaway server (`ScratchPostgres`)
/// started on it that replays the WAL and promotes, the job's assertions run against it,
/// then the server stopped and the directory removed, whatever happened.
struct PhysicalDrill {
    let source: DatabaseSource
    let job: Job
    let access: RepositoryAccess
    let scratchDirectory: String
    let recoveryTimeout: TimeInterval
    /// This program, run by the server as its restore_command (`repo wal fetch`).
    let executable: String

    func run(repository: Repository, config: RepositoryConfig) -> [StepResult] {
        var server: ScratchPostgres?
        var directory: String?
        defer {
            server?.stop()
            if let directory { try? FileManager.default.removeItem(atPath: directory) }
        }
        var query: ((String) throws -> String)?
        let restore = StepResult.measure("restore \(source.name)") {
            let scratch = try makeDirectory()
            directory = scratch
            let data = scratch + "/data"
            let result = try PointInTimeRestore(repository: repository).restore(
                into: data, target: .latest, spec: nil, restoreCommand: try restoreCommand(config),
                restoreCommandComplete: true, archiving: false)
            let environment = ChildEnvironment.forChildren(of: access.environment)
            let started = ScratchPostgres(directory: scratch, dataDirectory: data,
                                          binDirectory: try ScratchPostgres.binDirectory(for: data, environment: environment),
                                          environment: environment)
            try started.configure()
            server = started
            let deadline = Date().addingTimeInterval(recoveryTimeout)
            try started.start(timeout: recoveryTimeout)
            let engine = PostgresEngine(source: DatabaseSource(kind: .postgres, name: source.name, host: scratch, port: started.port,
                                                               user: source.user ?? started.account),
                                        environment: environment)
            let database = source.database ?? "postgres"
            try waitForPromotion(engine, database: database, server: started, deadline: deadline)
            query = { try engine.query($0, in: database) }
            let reached = try engine.query("""
                SELECT coalesce(pg_last_wal_replay_lsn()::text, '?') || ' ' || coalesce(to_char(pg_last_xact_replay_timestamp() \
                AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '')
                """, in: database).split(separator: " ", maxSplits: 1).map(String.init)
            let lsn = reached.first ?? "?"
            let time = reached.count > 1 && !reached[1].isEmpty ? ", last transaction \(reached[1]) UTC" : ""
            return (.ok, 0, "base backup of \(StatusTime.text(result.snapshot.snapshot.time, seconds: false)) (snapshot \(result.snapshot.shortID), \(ByteCount.text(result.bytes))) recovered to the end of the archived WAL: LSN \(lsn)\(time), in scratch \(data)")
        }
        let steps = [restore] + DrillRunner.assertions(of: job, on: source, restored: query != nil) { try query!($0) }
        return steps
    }

    /// A new private directory (mode 0700) under the scratch directory.
    private func makeDirectory() throws -> String {
        do throws(Errno) {
            let parent = scratchDirectory.count > 1 && scratchDirectory.hasSuffix("/") ? String(scratchDirectory.dropLast()) : scratchDirectory
            return try FileDescriptor.makeUniqueDirectory(parent + "/repo-drill-pg-XXXXXX")
        } catch {
            throw DrillServerError("cannot create a scratch directory in \(scratchDirectory): \(error)")
        }
    }

    /// `repo wal fetch` from this repository, with its password source (never the password).
    private func restoreCommand(_ config: RepositoryConfig) throws -> String {
        guard let password = access.passwordSource(config).reference else {
            throw DrillServerError("the password of repository \(config.name) comes from REPO_PASSWORD or a prompt, which the drill's PostgreSQL server cannot use to fetch WAL: give the repository a password-file or password-command")
        }
        // As root the server runs as postgres, which cannot use root's cache: its own, then.
        let cache = geteuid() == 0 ? nil : access.cacheDirectory
        return PointInTimeRestore.restoreCommand(executable: executable, location: PointInTimeRestore.absoluteLocation(config.location),
                                                 passwordOption: password, cacheDirectory: cache)
    }

    /// Polls until the server has replayed the archive and promoted (pg_is_in_recovery()
    /// false), failing with its log when it stops or the deadline passes.
    private func waitForPromotion(_ engine: PostgresEngine, database: String, server: ScratchPostgres, deadline: Date) throws {
        while true {
            let answer = try? engine.query("SELECT pg_is_in_recovery()", in: database)
            if answer == "f" { return }
            if !FileManager.default.fileExists(atPath: server.dataDirectory + "/postmaster.pid") {
                throw DrillServerError("the drill's PostgreSQL server stopped during recovery: \(server.logTail)")
            }
            if Date() > deadline {
                throw DrillServerError("the drill's PostgreSQL server was still recovering after \(Int(recoveryTimeout)) s: \(server.logTail)")
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}
