/// Changes to the set of snapshots. Snapshot objects are immutable and named by their
/// content, so "changing" one writes the new object first and then removes the old: a crash
/// in between leaves both, never neither.
extension Repository {
    /// Removes snapshots; their data stays until `prune`.
    public func forget(_ snapshots: [StoredSnapshot]) throws {
        for stored in snapshots { try deleteSnapshot(id: stored.id) }
    }

    /// Removes snapshots by id, without reading them (so damaged ones go too).
    public func forget(ids: [String]) throws {
        for id in ids { try deleteSnapshot(id: id) }
    }

    /// Adds, removes or replaces tags; returns the rewritten snapshot (or the same one when
    /// nothing changed).
    public func retag(_ stored: StoredSnapshot, add: [String], remove: [String], set: [String]?) throws -> StoredSnapshot {
        var snapshot = stored.snapshot
        var tags = set ?? snapshot.tags
        tags.removeAll { remove.contains($0) }
        for tag in add where !tags.contains(tag) { tags.append(tag) }
        guard tags != snapshot.tags else { return stored }
        snapshot.tags = tags
        let rewritten = try saveSnapshot(snapshot)
        try deleteSnapshot(id: stored.id)
        return rewritten
    }
}
