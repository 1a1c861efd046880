import Repo

/// The engine for each kind of database source, and the checks a job file's sources pass
/// before anything runs.
public enum DatabaseEngines {
    /// `environment` is what the engine's tools run with; it is scrubbed of secrets again
    /// here, so that a caller handing in its own environment cannot leak them.
    public static func engine(for source: DatabaseSource,
                              environment: [String: String] = ChildEnvironment.forChildren()) -> any DatabaseEngine {
        let scrubbed = ChildEnvironment.forChildren(of: environment)
        switch source.kind {
        case .postgres: return PostgresEngine(source: source, environment: scrubbed)
        case .mysql: return MySQLEngine(source: source, environment: scrubbed)
        case .sqlite: return SQLiteEngine(source: source)
        case .command: return CommandEngine(source: source, environment: scrubbed)
        case .postgresPhysical: return PhysicalEngine(source: source)
        }
    }

    /// What is wrong with `source` in one sentence, or nil when it can work.
    public static func validate(_ source: DatabaseSource) -> String? {
        if source.name.isEmpty { return "a database source needs a name" }
        if source.name.contains("/") || source.name == "." || source.name == ".." {
            return "database source name \"\(source.name)\" cannot be a path: use letters, digits, - and _"
        }
        let label = "database source \(source.name)"
        if let port = source.port, !(1...65535).contains(port) { return "\(label): port \(port) is not between 1 and 65535" }
        switch source.kind {
        case .postgres, .mysql:
            if source.databaseName.isEmpty { return "\(label): the database name is empty" }
            if source.databaseName.hasPrefix("-") { return "\(label): database name \(source.databaseName) cannot start with -" }
            if source.path != nil { return "\(label): path is for sqlite sources" }
            if source.command != nil || source.restoreCommand != nil { return "\(label): commands are for command sources" }
        case .sqlite:
            guard let path = source.path, !path.isEmpty else { return "\(label): sqlite sources need the database file's path" }
            if source.command != nil || source.restoreCommand != nil { return "\(label): commands are for command sources" }
            if !source.dumpOptions.isEmpty { return "\(label): dump options are for postgres and mysql sources" }
            if source.host != nil || source.port != nil || source.user != nil { return "\(label): host, port and user are for postgres and mysql sources" }
        case .postgresPhysical:
            if !source.dumpOptions.isEmpty { return "\(label): dump options are not for postgres-physical sources (the whole cluster is backed up)" }
            if source.database?.isEmpty == true { return "\(label): the database drill assertions run in is empty" }
            if source.path != nil || source.command != nil || source.restoreCommand != nil { return "\(label): path and commands are not for postgres-physical sources" }
        case .command:
            guard let command = source.command, let program = command.first, !program.isEmpty else {
                return "\(label): command sources need a command (a list of program and arguments)"
            }
            if let restore = source.restoreCommand, restore.first?.isEmpty ?? true { return "\(label): the restore command is empty" }
            if !source.dumpOptions.isEmpty { return "\(label): dump options are for postgres and mysql sources; put arguments in the command" }
            if source.path != nil || source.host != nil || source.port != nil || source.user != nil {
                return "\(label): path, host, port and user are not for command sources"
            }
        }
        return nil
    }
}
