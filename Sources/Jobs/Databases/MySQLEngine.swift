import Foundation
import Repo

/// MySQL and MariaDB: `mariadb-dump` (or `mysqldump`) in one transaction, restored with the
/// `mariadb` (or `mysql`) client in batch mode, which stops at the first error. Passwords
/// come from the tools' option files or MYSQL_PWD; repo never puts one on a command line.
struct MySQLEngine: SQLServerEngine {
    let source: DatabaseSource
    let environment: [String: String]

    func startDump() throws -> DumpStream {
        // No --databases: the dump then names no database, and restores into any target.
        // --skip-dump-date: an unchanged database dumps to the same bytes, which deduplicate.
        let options = ["--single-transaction", "--routines", "--triggers", "--events", "--hex-blob",
                       "--default-character-set=utf8mb4", "--skip-dump-date"]
        let command = [tool("mariadb-dump", else: "mysqldump")] + options + connection + source.dumpOptions + [source.databaseName]
        return try DumpProcess.start(command, environment: environment, source: source.name)
    }

    func targetState(_ target: String) throws -> RestoreTargetState {
        let failure = { DatabaseError.restoreFailed(target: target, detail: $0) }
        let name = Self.literal(target)
        let exists = try client("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = \(name)", in: nil, failure: failure)
        guard exists != "0" else { return .missing }
        let objects = """
            SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = \(name))
                 + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = \(name))
                 + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = \(name))
            """
        return try client(objects, in: nil, failure: failure) == "0" ? .empty : .nonEmpty
    }

    func query(_ sql: String, in target: String) throws -> String {
        try client(sql, in: target) { DatabaseError.queryFailed(target: target, detail: $0) }
    }

    func drop(_ target: String) throws {
        _ = try client("DROP DATABASE IF EXISTS \(Self.identifier(target))", in: nil) {
            DatabaseError.restoreFailed(target: target, detail: $0)
        }
    }

    func createDatabase(_ name: String) throws {
        _ = try client("CREATE DATABASE \(Self.identifier(name))", in: nil) {
            DatabaseError.restoreFailed(target: name, detail: $0)
        }
    }

    func restoreCommand(into target: String) -> [String] {
        [tool("mariadb", else: "mysql"), "--batch", "--default-character-set=utf8mb4"] + connection + ["--database=\(target)"]
    }

    /// Runs one statement (in `database`, or none); the first field of the first row.
    private func client(_ sql: String, in database: String?, failure: (String) -> DatabaseError) throws -> String {
        var command = [tool("mariadb", else: "mysql"), "--batch", "--skip-column-names", "--default-character-set=utf8mb4"] + connection
        if let database { command.append("--database=\(database)") }
        let output = try ClientTool.output(command + ["--execute=\(sql)"], environment: environment, failure: failure)
        return ClientTool.firstField(output, separator: "\t")
    }

    /// Host (a path is the server's unix socket), port and user.
    private var connection: [String] {
        var arguments: [String] = []
        if let host = source.host { arguments.append(host.hasPrefix("/") ? "--socket=\(host)" : "--host=\(host)") }
        if let port = source.port { arguments.append("--port=\(port)") }
        if let user = source.user { arguments.append("--user=\(user)") }
        return arguments
    }

    /// MariaDB's name for a tool when it is installed, else MySQL's (older MariaDB has both).
    private func tool(_ preferred: String, else fallback: String) -> String {
        ChildProcess.find(preferred, path: environment["PATH"]) == nil ? fallback : preferred
    }

    static func identifier(_ name: String) -> String {
        "`" + name.replacingOccurrences(of: "`", with: "``") + "`"
    }

    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }
}
