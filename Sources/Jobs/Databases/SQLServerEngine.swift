import Foundation

/// What PostgreSQL and MySQL share: a restore creates the target database, refuses one that
/// holds anything unless told to replace it, then feeds the dump to the client.
protocol SQLServerEngine: DatabaseEngine {
    /// The scrubbed environment the tools run with.
    var environment: [String: String] { get }
    func createDatabase(_ name: String) throws
    /// The client command that reads a dump on standard input into `target`.
    func restoreCommand(into target: String) -> [String]
}

extension SQLServerEngine {
    func restore(into target: String, replace: Bool, writeDump: (Int32) throws -> Void) throws {
        let created: Bool
        switch try targetState(target) {
        case .missing:
            try createDatabase(target)
            created = true
        case .empty:
            created = false
        case .nonEmpty:
            guard replace else { throw DatabaseError.targetNotEmpty(target: target) }
            try drop(target)
            try createDatabase(target)
            created = true
        }
        do {
            try PipedRestore.run(restoreCommand(into: target), environment: environment, target: target, writeDump: writeDump)
        } catch {
            // A database this restore made and could not fill is not left behind looking
            // like a restored one.
            if created { try? drop(target) }
            throw error
        }
    }

    func scratchTarget(directory: String) -> String {
        ScratchName.make(for: source.name)
    }
}
