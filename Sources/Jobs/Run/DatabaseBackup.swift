import Foundation
import Repo

/// One database source's dump, streamed into its own snapshot at the source's stable path.
/// The snapshot is saved only once the dump tool has exited 0: a truncated or failed dump
/// never looks like a good backup.
struct DatabaseBackup {
    let source: DatabaseSource
    let environment: [String: String]

    func snapshot(with archiver: Archiver) throws -> StoredSnapshot {
        if source.kind == .postgresPhysical {
            return try PhysicalBackup(host: source.host, port: source.port, user: source.user, name: source.name,
                                      environment: environment).snapshot(with: archiver)
        }
        let engine = DatabaseEngines.engine(for: source, environment: ChildEnvironment.forChildren(of: environment))
        let dump = try engine.startDump()
        do {
            return try archiver.snapshot(stream: dump.fileDescriptor, name: source.snapshotPath) { try dump.finish() }
        } catch {
            // The archiver stopped before EOF (or the dump failed): finishing closes the
            // reading end, so a tool blocked on a full pipe ends, and reaps it; the error
            // that stopped the snapshot is the one to report.
            try? dump.finish()
            throw error
        }
    }
}
