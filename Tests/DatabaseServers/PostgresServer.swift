import Foundation

/// A throwaway PostgreSQL cluster for tests: initdb into a temporary directory, listening
/// only on a unix socket there, trust authentication, tuned to start fast and lose
/// everything on a crash. PostgreSQL refuses to run as root, so as root its tools run as
/// the `postgres` user.
public final class PostgresServer: @unchecked Sendable {
    public let socketDirectory: String
    public let port: Int
    public let superuser = "postgres"
    /// The postmaster's process id, for a last-resort kill.
    public private(set) var pid: Int32 = 0
    private let dataDirectory: String
    private let binDirectory: String
    private let once = StopOnce()

    /// How a test cluster archives its WAL (point-in-time recovery tests).
    public struct Archiving: Sendable {
        /// archive_command, as PostgreSQL runs it with /bin/sh (`%p` the file's path).
        public var command: String
        /// WAL segment size in MiB (initdb --wal-segsize): small segments fill fast.
        public var segmentMiB: Int

        public init(command: String, segmentMiB: Int = 1) {
            self.command = command
            self.segmentMiB = segmentMiB
        }
    }

    public static func start(archiving: Archiving? = nil) throws -> PostgresServer {
        let server = try PostgresServer(binDirectory: try binDirectory(), dataDirectory: nil)
        // One that fails to boot is stopped (and its directory removed) by deinit.
        try server.boot(archiving: archiving)
        return server
    }

    /// A server on an existing data directory (a restored one): its own socket directory,
    /// given on the command line so that the copied configuration's does not apply. The
    /// data directory stays where it is; `stop()` removes it with the socket directory.
    public static func start(existing dataDirectory: String) throws -> PostgresServer {
        let server = try PostgresServer(binDirectory: try binDirectory(), dataDirectory: dataDirectory)
        try server.bootExisting()
        return server
    }

    private let ownsDataDirectory: Bool

    private init(binDirectory: String, dataDirectory existing: String?) throws {
        self.binDirectory = binDirectory
        socketDirectory = try ScratchDirectory.make("repo-pg")
        dataDirectory = existing ?? socketDirectory + "/data"
        ownsDataDirectory = existing == nil
        port = 5432
    }

    /// The directory of the server's tools (pgbench, pg_ctl …).
    public var tools: String { binDirectory }

    /// The data directory.
    public var dataPath: String { dataDirectory }

    private func bootExisting() throws {
        try giveSocketDirectoryToPostgres()
        try tool(["pg_ctl", "-D", dataDirectory, "-l", socketDirectory + "/server.log", "-w", "-t", "120",
                  "-o", "-k \(socketDirectory) -p \(port)", "start"])
        let pidFile = (try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8)) ?? ""
        pid = Int32(pidFile.split(separator: "\n").first ?? "") ?? 0
    }

    /// The server's log so far (for failure messages).
    public var log: String { (try? String(contentsOfFile: socketDirectory + "/server.log", encoding: .utf8)) ?? "" }

    /// Runs one of the server's tools (pgbench …) against it, as the server's user when root.
    @discardableResult
    public func run(_ arguments: [String]) throws -> String { try tool(arguments) }

    private func giveSocketDirectoryToPostgres() throws {
        if geteuid() == 0 {
            guard let account = getpwnam("postgres") else {
                throw DatabaseServerError("there is no postgres user to run PostgreSQL as (root cannot): run scripts/setup.sh")
            }
            guard chown(socketDirectory, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
                throw DatabaseServerError("cannot give \(socketDirectory) to postgres: \(String(cString: strerror(errno)))")
            }
        }
    }

    deinit { stop() }

    private func boot(archiving: Archiving?) throws {
        try giveSocketDirectoryToPostgres()
        try tool(["initdb", "-D", dataDirectory, "-U", superuser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]
                 + (archiving.map { ["--wal-segsize=\($0.segmentMiB)"] } ?? []))
        var settings = """

            listen_addresses = ''
            unix_socket_directories = '\(socketDirectory)'
            port = \(port)
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            shared_buffers = 16MB
            max_connections = 30
            logging_collector = off
            """
        if let archiving {
            // Base backups need replication connections; archiving needs replica WAL.
            settings += """

                max_wal_senders = 4
                wal_level = replica
                full_page_writes = on
                archive_mode = on
                archive_command = '\(archiving.command.replacingOccurrences(of: "'", with: "''"))'
                """
        } else {
            settings += "\nmax_wal_senders = 0\nwal_level = minimal\n"
        }
        let configuration = try FileHandle(forWritingTo: URL(fileURLWithPath: dataDirectory + "/postgresql.conf"))
        try configuration.seekToEnd()
        try configuration.write(contentsOf: Data(settings.utf8))
        try configuration.close()
        try tool(["pg_ctl", "-D", dataDirectory, "-l", socketDirectory + "/server.log", "-w", "-t", "60", "start"])
        let pidFile = (try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8)) ?? ""
        pid = Int32(pidFile.split(separator: "\n").first ?? "") ?? 0
    }

    /// Runs `sql` with psql (no psqlrc, unaligned, tuples only, stopping at the first
    /// error) and returns its output trimmed.
    @discardableResult
    public func sql(_ sql: String, database: String = "postgres") throws -> String {
        try ServerCommand.run([binDirectory + "/psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                               "-h", socketDirectory, "-p", String(port), "-U", superuser, "-d", database, "-c", sql])
    }

    public func createDatabase(_ name: String) throws {
        try sql("CREATE DATABASE \"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"")
    }

    /// Every user table ("schema.table") → "rowcount:md5 of its rows sorted as text".
    public func tableChecksums(database: String) throws -> [String: String] {
        let tables = try sql("""
            SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
            WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
            """, database: database)
        var checksums: [String: String] = [:]
        for table in tables.split(separator: "\n").map(String.init) {
            checksums[table] = try sql("""
                SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM \(table) t
                """, database: database)
        }
        return checksums
    }

    /// Stops the cluster at once (no checkpoint: the data is thrown away) and removes it.
    public func stop() {
        guard once.claim() else { return }
        if (try? tool(["pg_ctl", "-D", dataDirectory, "-m", "immediate", "-w", "stop"])) == nil, pid > 0 {
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: socketDirectory)
        if !ownsDataDirectory { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }

    public var environment: [String: String] {
        ["PGHOST": socketDirectory, "PGPORT": String(port), "PGUSER": superuser]
    }

    /// Runs a server tool from the bin directory, as `postgres` when this process is root.
    @discardableResult
    private func tool(_ arguments: [String]) throws -> String {
        let command = [binDirectory + "/" + arguments[0]] + arguments.dropFirst()
        return try ServerCommand.run(geteuid() == 0 ? ["runuser", "-u", "postgres", "--"] + command : command)
    }

    /// The newest /usr/lib/postgresql/VERSION/bin (Debian), else pg_config's, else initdb's
    /// directory on PATH.
    private static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        if let configured = try? ServerCommand.run(["pg_config", "--bindir"]),
           FileManager.default.isExecutableFile(atPath: configured + "/initdb") {
            return configured
        }
        return (try ServerCommand.locate("initdb") as NSString).deletingLastPathComponent
    }
}
