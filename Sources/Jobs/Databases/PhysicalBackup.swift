import Foundation
import Repo

/// A PostgreSQL base backup (`repo pg base-backup`, job sources of type
/// `postgres-physical`): `pg_basebackup` writing one tar to standard output, streamed into
/// a snapshot tagged `pg-base` whose `postgres` field records the WAL positions it starts
/// and stops at (docs/format.md, "Snapshots"). The WAL itself is not in the tar (`-X none`):
/// archiving (`repo wal push`) brings it, and pg_basebackup waits until the backup's last
/// segment is archived before it exits, so a saved base backup always has its WAL.
public struct PhysicalBackup: Sendable {
    public static let tag = "pg-base"

    public var host: String?
    public var port: Int?
    public var user: String?
    /// Where the tar is stored in the snapshot.
    public var snapshotPath: String
    public var environment: [String: String]

    public init(host: String? = nil, port: Int? = nil, user: String? = nil, name: String = "base",
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.host = host
        self.port = port
        self.user = user
        snapshotPath = "/databases/postgres-physical/\(name).tar"
        self.environment = environment
    }

    private var connection: [String] {
        var arguments: [String] = []
        if let host { arguments += ["-h", host] }
        if let port { arguments += ["-p", String(port)] }
        if let user { arguments += ["-U", user] }
        return arguments
    }

    /// The tar of the whole cluster on standard output. A cluster with tablespaces besides
    /// the default ones is refused by pg_basebackup itself ("can only write single
    /// tablespace to stdout").
    public var command: [String] {
        ["pg_basebackup", "-D", "-", "-F", "tar", "-X", "fetch", "--checkpoint=fast", "--verbose", "--label=repo base backup"] + connection
    }

    /// The server's WAL segment size in bytes (`wal_segment_size`).
    func segmentSize() throws -> UInt64 {
        let query = ["psql", "-X", "-A", "-t", "-c", "SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'", "-d", "postgres"] + connection
        let text = try ClientTool.output(query, environment: ChildEnvironment.forChildren(of: environment)) {
            DatabaseError.dumpFailed(source: "postgres base backup", detail: $0)
        }
        guard let size = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)), size > 0, size & (size - 1) == 0 else {
            throw DatabaseError.dumpFailed(source: "postgres base backup", detail: "wal_segment_size is \(text.debugDescription), not a power of two")
        }
        return size
    }

    /// Takes the backup into a snapshot (the archiver's options should carry the tag).
    public func snapshot(with archiver: Archiver) throws -> StoredSnapshot {
        let segmentSize = try segmentSize()
        return try archiver.snapshot(command: command, name: snapshotPath, environment: environment) { exit in
            guard let positions = PostgresBaseBackup.parse(verboseOutput: exit.stderrTail, stopTime: Date(), segmentSize: segmentSize) else {
                throw DatabaseError.dumpFailed(source: "postgres base backup",
                                               detail: "pg_basebackup did not report its WAL start and end points: \(exit.stderrTail.suffix(300))")
            }
            archiver.postgres = positions
        }
    }
}
