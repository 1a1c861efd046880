/// One database a job backs up: which engine, how to reach it, and where its dump lives in
/// the repository. Decoded from a `[[job.NAME.database]]` table of the job file.
public struct DatabaseSource: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// `pg_dump` in plain SQL (deduplicates across days), restored with `psql`.
        case postgres
        /// `mysqldump --single-transaction` (MariaDB too), restored with `mysql`.
        case mysql
        /// A consistent copy of a live database file through SQLite's online backup API.
        case sqlite
        /// Any command that writes a dump to standard output.
        case command
        /// A PostgreSQL base backup (`pg_basebackup`, one tar), for point-in-time recovery
        /// with the WAL archived by `repo wal push`; restored with `repo pg restore`.
        case postgresPhysical = "postgres-physical"
    }

    public var kind: Kind
    /// The source's name: unique in its job, and the database name unless `database` says otherwise.
    public var name: String
    /// The database to dump (postgres, mysql); defaults to `name`.
    public var database: String?
    /// Host (or unix socket directory), port and user (postgres, mysql); defaults are the tools' own.
    public var host: String?
    public var port: Int?
    public var user: String?
    /// The database file (sqlite).
    public var path: String?
    /// The dump command, argv (command).
    public var command: [String]?
    /// For `command` sources: the command that takes a dump on standard input to restore it
    /// (argv; `{target}` is replaced by the restore target). Without it, `db restore` writes
    /// the dump to the file TARGET.
    public var restoreCommand: [String]?
    /// Extra arguments for the dump tool (`pg_dump`, `mysqldump`).
    public var dumpOptions: [String]

    public init(kind: Kind, name: String, database: String? = nil, host: String? = nil, port: Int? = nil,
                user: String? = nil, path: String? = nil, command: [String]? = nil, restoreCommand: [String]? = nil,
                dumpOptions: [String] = []) {
        self.kind = kind
        self.name = name
        self.database = database
        self.host = host
        self.port = port
        self.user = user
        self.path = path
        self.command = command
        self.restoreCommand = restoreCommand
        self.dumpOptions = dumpOptions
    }

    /// The database name the tools are given.
    public var databaseName: String { database ?? name }

    /// Where the dump is stored inside its snapshot: stable across runs, so that
    /// `repo dump latest /databases/postgres/shop.sql` and retention groups find it.
    public var snapshotPath: String {
        switch kind {
        case .postgres, .mysql: return "/databases/\(kind.rawValue)/\(name).sql"
        case .sqlite: return "/databases/sqlite/\(name).db"
        case .command: return "/databases/command/\(name).dump"
        case .postgresPhysical: return "/databases/postgres-physical/\(name).tar"
        }
    }
}
