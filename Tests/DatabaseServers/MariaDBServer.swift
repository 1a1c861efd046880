import Foundation
import TestSupport

/// A throwaway MariaDB server for tests: mariadb-install-db into a temporary data directory,
/// mariadbd without networking on a socket there, the OS user authenticated by unix_socket,
/// tuned to start fast and keep nothing durable.
public final class MariaDBServer: @unchecked Sendable {
    public let socketPath: String
    /// The database user: the OS user running the tests (root in CI), by unix_socket.
    public let user: String
    /// The server's process id (0 before it started).
    public private(set) var pid: pid_t = 0
    private let directory: String
    private let once = StopOnce()

    public static func start() throws -> MariaDBServer {
        let server = try MariaDBServer()
        // One that fails to boot is stopped (and its directory removed) by deinit.
        try server.boot()
        return server
    }

    private init() throws {
        directory = try ScratchDirectory.make("repo-mariadb")
        socketPath = directory + "/mysqld.sock"
        user = geteuid() == 0 ? "root" : (getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "root")
    }

    deinit { stop() }

    private func boot() throws {
        let data = directory + "/data"
        try ServerCommand.run(["mariadb-install-db", "--no-defaults", "--datadir=\(data)", "--user=\(user)",
                               "--auth-root-authentication-method=socket", "--skip-test-db", "--skip-name-resolve"])
        let log = try CapturedOutput()
        pid = try ServerCommand.start(["mariadbd"] + [
            "--no-defaults", "--datadir=\(data)", "--socket=\(socketPath)", "--pid-file=\(directory)/mysqld.pid",
            "--skip-networking", "--user=\(user)", "--log-error=\(directory)/error.log", "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=16M", "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0", "--innodb-use-native-aio=0", "--skip-log-bin", "--performance-schema=OFF",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
        ], output: log.descriptor, errors: log.descriptor)
        let deadline = Date().addingTimeInterval(60)
        while (try? sql("SELECT 1")) == nil {
            if exited {
                pid = 0
                throw DatabaseServerError("mariadbd exited at start: \(logTail())")
            }
            guard Date() < deadline else { throw DatabaseServerError("mariadbd did not answer within 60 s: \(logTail())") }
            usleep(50_000)
        }
    }

    /// Runs `sql` with the client in batch mode (tab-separated, no column names), stopping at
    /// the first error; returns the output trimmed.
    @discardableResult
    public func sql(_ sql: String, database: String? = nil) throws -> String {
        var command = ["mariadb", "--no-defaults", "--socket=\(socketPath)", "--user=\(user)", "--batch", "--skip-column-names",
                       "--default-character-set=utf8mb4"]
        if let database { command.append("--database=\(database)") }
        return try ServerCommand.run(command + ["--execute=\(sql)"])
    }

    public func createDatabase(_ name: String) throws {
        try sql("CREATE DATABASE `\(name.replacingOccurrences(of: "`", with: "``"))`")
    }

    /// Every base table → "rowcount:CHECKSUM TABLE's value".
    public func tableChecksums(database: String) throws -> [String: String] {
        let quoted = database.replacingOccurrences(of: "'", with: "''")
        let tables = try sql("""
            SELECT TABLE_NAME FROM information_schema.TABLES
            WHERE TABLE_SCHEMA = '\(quoted)' AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1
            """)
        var checksums: [String: String] = [:]
        for table in tables.split(separator: "\n").map(String.init) {
            let name = "`\(database.replacingOccurrences(of: "`", with: "``"))`.`\(table.replacingOccurrences(of: "`", with: "``"))`"
            let count = try sql("SELECT COUNT(*) FROM \(name)")
            let checksum = try sql("CHECKSUM TABLE \(name) EXTENDED").split(separator: "\t").last.map(String.init) ?? ""
            checksums[table] = "\(count):\(checksum)"
        }
        return checksums
    }

    /// Kills the server (its data is thrown away) and removes its directory.
    public func stop() {
        guard once.claim() else { return }
        if pid > 0 {
            kill(pid, SIGKILL)
            _ = Spawn.wait(pid)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    public var environment: [String: String] {
        ["MYSQL_UNIX_PORT": socketPath, "USER": user]
    }

    /// Whether the server has already exited (reaping it).
    private var exited: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }

    private func logTail() -> String {
        let log = (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").suffix(3).joined(separator: " | ")
    }
}
