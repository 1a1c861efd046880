/// The archived WAL as base backups need it: each base backup can be brought forward to
/// any moment up to the newest archived segment only if every segment from its first one
/// on is archived (docs/guide.md, "PostgreSQL point-in-time recovery").
///
/// Positions are compared by segment number; a segment archived on any timeline at or
/// above the backup's counts (after a promotion the same numbers continue on the new
/// timeline, and the old timeline's last segment is archived as `.partial`).
public struct WALChain: Sendable {
    public let records: [WALRecord]

    public init(records: [WALRecord]) { self.records = records }

    /// The first missing segment after `backup`'s start and how many are missing; nil when
    /// the chain is whole (or holds no segment at or after the backup's start).
    public func gap(after backup: PostgresBaseBackup) -> (first: String, count: Int)? {
        let size = backup.segmentSize
        guard let start = WALFileName(backup.startWAL)?.sequence(segmentSize: size) else { return nil }
        var present = Set<UInt64>()
        for record in records {
            guard let name = record.fileName, name.kind == .segment || name.kind == .partial, name.timeline >= backup.timeline else { continue }
            present.insert(name.sequence(segmentSize: size))
        }
        guard let newest = present.max(), newest >= start else { return nil }
        var first: UInt64?
        var count = 0
        for sequence in start...newest where !present.contains(sequence) {
            if first == nil { first = sequence }
            count += 1
        }
        return first.map { (WALFileName.segment(timeline: backup.timeline, sequence: $0, segmentSize: size), count) }
    }

    /// The records no kept base backup needs: segments, partial segments and backup history
    /// files before the oldest backup's first segment, on its timeline or an older one.
    /// Timeline history files are always kept (small, and recovery reads them all). With no
    /// base backup, nothing is unneeded: the WAL is kept until one exists.
    public func unneeded(keeping backups: [PostgresBaseBackup]) -> [WALRecord] {
        guard let oldest = backups.min(by: { ($0.timeline, LSN.parse($0.startLSN) ?? 0) < ($1.timeline, LSN.parse($1.startLSN) ?? 0) }),
              let start = WALFileName(oldest.startWAL)?.sequence(segmentSize: oldest.segmentSize) else { return [] }
        return records.filter { record in
            guard let name = record.fileName, name.kind != .history, name.timeline <= oldest.timeline else { return false }
            return name.sequence(segmentSize: oldest.segmentSize) < start
        }
    }

    /// The newest archived segment (by name, so by timeline then position).
    public var newestSegment: WALRecord? {
        records.filter { $0.fileName?.kind == .segment || $0.fileName?.kind == .partial }.max { $0.name < $1.name }
    }
}

extension Repository {
    /// Removes the WAL records no base backup in the repository needs (`WALChain.unneeded`);
    /// their blobs go at the next prune. Returns the names removed.
    public func forgetUnneededWAL() throws -> [String] {
        let backups = try snapshotListing().snapshots.compactMap(\.snapshot.postgres)
        let unneeded = WALChain(records: try walListing().records).unneeded(keeping: backups)
        for record in unneeded { try deleteWALRecord(named: record.name) }
        return unneeded.map(\.name)
    }
}
