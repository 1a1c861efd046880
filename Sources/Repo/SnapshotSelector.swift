/// Picks snapshots the way users name them: a full id, a unique id prefix, or `latest`,
/// narrowed by host, tags and paths.
public struct SnapshotFilter: Sendable {
    public var hosts: [String] = []
    public var tags: [String] = []
    public var paths: [String] = []

    public init(hosts: [String] = [], tags: [String] = [], paths: [String] = []) {
        self.hosts = hosts
        self.tags = tags
        self.paths = paths
    }

    public func matches(_ snapshot: Snapshot) -> Bool {
        (hosts.isEmpty || hosts.contains(snapshot.host))
            && tags.allSatisfy { snapshot.tags.contains($0) }
            && (paths.isEmpty || Set(paths) == Set(snapshot.paths))
    }
}

extension Repository {
    /// The snapshot `spec` names among those `filter` admits.
    /// Damaged snapshots are skipped; naming one (by id or prefix) throws its damage.
    public func findSnapshot(_ spec: String, filter: SnapshotFilter = .init()) throws -> StoredSnapshot {
        let listing = try snapshotListing()
        let candidates = listing.snapshots.filter { filter.matches($0.snapshot) }
        if spec == "latest" {
            guard let latest = candidates.last else { throw RepositoryError.snapshotNotFound(spec) }
            return latest
        }
        switch try pick(spec, among: candidates, damaged: listing.damaged) {
        case .good(let stored): return stored
        case .damaged(let damaged): throw damaged.error
        }
    }

    /// The id `spec` (a full id or unique prefix) names, of a snapshot that loads or of a
    /// damaged one, which is not decoded: for `forget`, which must remove damaged ones too.
    public func findSnapshotID(_ spec: String) throws -> String {
        let listing = try snapshotListing()
        switch try pick(spec, among: listing.snapshots, damaged: listing.damaged) {
        case .good(let stored): return stored.id
        case .damaged(let damaged): return damaged.id
        }
    }

    private enum Pick { case good(StoredSnapshot), damaged(SnapshotListing.Damaged) }

    private func pick(_ spec: String, among candidates: [StoredSnapshot], damaged: [SnapshotListing.Damaged]) throws -> Pick {
        let prefix = spec.lowercased()
        let matching = candidates.filter { $0.id.hasPrefix(prefix) }
        let damagedMatching = damaged.filter { $0.id.hasPrefix(prefix) }
        guard !spec.isEmpty, matching.count + damagedMatching.count > 0 else { throw RepositoryError.snapshotNotFound(spec) }
        guard matching.count + damagedMatching.count == 1 else {
            throw RepositoryError.ambiguousSnapshot(spec, matching.map(\.shortID) + damagedMatching.map { String($0.id.prefix(8)) })
        }
        return matching.first.map(Pick.good) ?? .damaged(damagedMatching[0])
    }

    /// The snapshot `spec` names that holds `path`, with the entry there. `latest` is the
    /// newest admitted snapshot that holds it, so `dump latest /db.sql` finds the dump even
    /// when the newest snapshot is of other paths.
    public func findSnapshot(_ spec: String, containing path: String,
                             filter: SnapshotFilter = .init()) throws -> (stored: StoredSnapshot, node: Node) {
        let browser = SnapshotBrowser(repository: self)
        guard spec == "latest" else {
            let stored = try findSnapshot(spec, filter: filter)
            guard let node = try browser.node(at: path, in: stored.snapshot) else {
                throw RepositoryError.pathNotInSnapshot(path: path, snapshot: stored.shortID)
            }
            return (stored, node)
        }
        let candidates = try snapshotListing().snapshots.filter { filter.matches($0.snapshot) }
        guard !candidates.isEmpty else { throw RepositoryError.snapshotNotFound(spec) }
        for stored in candidates.reversed() {
            if let node = try browser.node(at: path, in: stored.snapshot) { return (stored, node) }
        }
        throw RepositoryError.noSnapshotContains(path)
    }
}
