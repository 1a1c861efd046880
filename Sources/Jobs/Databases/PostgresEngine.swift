import Foundation

/// PostgreSQL: `pg_dump` in plain SQL, restored with `psql` in one transaction.
/// Passwords come from where libpq reads them (PGPASSFILE, ~/.pgpass, PGPASSWORD); repo
/// never passes one, and `--no-password` keeps the tools from prompting.
struct PostgresEngine: SQLServerEngine {
    let source: DatabaseSource
    let environment: [String: String]

    func startDump() throws -> DumpStream {
        let command = ["pg_dump", "--format=plain", "--no-password"] + connection(to: source.databaseName) + source.dumpOptions
        return try DumpProcess.start(command, environment: environment, source: source.name)
    }

    func targetState(_ target: String) throws -> RestoreTargetState {
        let failure = { DatabaseError.restoreFailed(target: target, detail: $0) }
        let exists = try psql("SELECT count(*) FROM pg_database WHERE datname = \(Self.literal(target))", in: "postgres", failure: failure)
        guard exists != "0" else { return .missing }
        // Anything a plain dump would create again: relations (tables, sequences, views,
        // ...), functions and types outside the system schemas, and schemas beyond public.
        let user = "NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"
        let objects = """
            SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname \(user))
                 + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname \(user))
                 + (SELECT count(*) FROM pg_namespace n WHERE n.nspname \(user) AND n.nspname <> 'public')
            """
        return try psql(objects, in: target, failure: failure) == "0" ? .empty : .nonEmpty
    }

    func query(_ sql: String, in target: String) throws -> String {
        try psql(sql, in: target) { DatabaseError.queryFailed(target: target, detail: $0) }
    }

    func drop(_ target: String) throws {
        // FORCE: a drill's own connections, or a client left behind, must not keep it alive.
        _ = try psql("DROP DATABASE IF EXISTS \(Self.identifier(target)) WITH (FORCE)", in: "postgres") {
            DatabaseError.restoreFailed(target: target, detail: $0)
        }
    }

    func createDatabase(_ name: String) throws {
        // template0: template1 may hold local additions that the dump would collide with.
        _ = try psql("CREATE DATABASE \(Self.identifier(name)) TEMPLATE template0", in: "postgres") {
            DatabaseError.restoreFailed(target: name, detail: $0)
        }
    }

    func restoreCommand(into target: String) -> [String] {
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "--no-password"] + connection(to: target)
    }

    /// Runs one statement; the first field of the first row.
    private func psql(_ sql: String, in database: String, failure: (String) -> DatabaseError) throws -> String {
        let command = ["psql", "-X", "-A", "-t", "-q", "-F", "\u{1f}", "-v", "ON_ERROR_STOP=1", "--no-password"]
            + connection(to: database) + ["-c", sql]
        let output = try ClientTool.output(command, environment: environment, failure: failure)
        return ClientTool.firstField(output, separator: "\u{1f}")
    }

    /// Host, port and user of the source, then the database as a connection string: a bare
    /// name holding `=` would be taken for one.
    private func connection(to database: String) -> [String] {
        var arguments: [String] = []
        if let host = source.host { arguments += ["-h", host] }
        if let port = source.port { arguments += ["-p", String(port)] }
        if let user = source.user { arguments += ["-U", user] }
        let quoted = database.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        return arguments + ["-d", "dbname='\(quoted)'"]
    }

    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
