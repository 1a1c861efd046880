/// `check`'s part for the WAL archive: every record opens, its blobs are indexed, and each
/// base backup's chain of segments has no gap up to the newest archived segment.
extension Checker {
    func walProblems(report: inout CheckReport) throws -> [String] {
        let listing = try repository.walListing()
        var problems = listing.damaged.map { "wal/\($0.id): \($0.error)" }
        for record in listing.records {
            if let missing = record.blobs.first(where: { repository.location(of: $0) == nil }) {
                problems.append("WAL file \(record.name): blob \(missing.hex) is not in the index")
            }
        }
        report.walFiles = listing.records.count
        guard !listing.records.isEmpty else { return problems }
        let chain = WALChain(records: listing.records)
        for stored in try repository.snapshotListing().snapshots {
            guard let backup = stored.snapshot.postgres, let gap = chain.gap(after: backup) else { continue }
            problems.append("base backup \(stored.shortID): WAL segment \(gap.first) is missing from the archive (\(gap.count) missing between \(backup.startWAL) and the newest archived segment): recovery from it stops before the gap; take a new base backup")
        }
        return problems
    }
}
