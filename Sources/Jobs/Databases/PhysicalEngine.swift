import Repo

/// The engine slot of a `postgres-physical` source: its backup is `PhysicalBackup` (the job
/// runner calls it directly) and its restore `repo pg restore`; what a dump engine does
/// (dump to a stream, restore into a database) is refused with where to go instead.
struct PhysicalEngine: DatabaseEngine {
    let source: DatabaseSource

    private var refusal: DatabaseError {
        .misconfigured(source: source.name, detail: "a postgres-physical source is a base backup: restore it with `repo pg restore --into DATADIR`")
    }

    func startDump() throws -> DumpStream { throw refusal }
    func targetState(_ target: String) throws -> RestoreTargetState { throw refusal }
    func restore(into target: String, replace: Bool, writeDump: (Int32) throws -> Void) throws { throw refusal }
    func query(_ sql: String, in target: String) throws -> String { throw refusal }
    func drop(_ target: String) throws { throw refusal }
    func scratchTarget(directory: String) -> String { directory + "/" + source.name }
}
