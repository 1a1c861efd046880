/// What a database engine does for jobs, `db restore` and drills. One implementation per
/// `DatabaseSource.Kind`; each runs the engine's own client tools (pg_dump/psql,
/// mysqldump/mysql) with `ChildEnvironment`'s environment, or libsqlite3 directly.
public protocol DatabaseEngine: Sendable {
    var source: DatabaseSource { get }

    /// Starts a consistent dump. The caller reads `DumpStream.fileDescriptor` to EOF, then
    /// calls `finish()`, which throws `DatabaseError.dumpFailed` (naming the source, with the
    /// tool's stderr tail) if the dump did not complete: such a dump must never be saved.
    func startDump() throws -> DumpStream

    /// Whether `target` (a database name, or a file path for sqlite and file targets) exists
    /// and holds anything.
    func targetState(_ target: String) throws -> RestoreTargetState

    /// Restores a dump into `target`: creates it (refusing a non-empty one unless
    /// `replace`, which drops and recreates it), then runs the client with the dump on
    /// standard input, stopping at the first SQL error. `writeDump` writes the dump's bytes
    /// to the descriptor it is given and returns when they are all written.
    func restore(into target: String, replace: Bool, writeDump: (Int32) throws -> Void) throws

    /// Runs `sql` in `target` and returns the first column of the first row as text ("" for
    /// no row); for drill assertions. Throws `DatabaseError.queryFailed`.
    func query(_ sql: String, in target: String) throws -> String

    /// Removes a scratch target made by a drill (drops the database, deletes the file).
    func drop(_ target: String) throws

    /// A name for a scratch restore target that does not exist yet (`repo_drill_shop_1234`,
    /// or a file path under `directory` for file-based engines).
    func scratchTarget(directory: String) -> String
}

public enum RestoreTargetState: Sendable, Equatable {
    case missing
    case empty
    case nonEmpty
}
