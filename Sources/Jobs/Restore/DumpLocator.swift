import Foundation
import Repo

/// Finds a database source's dumps in a repository: the snapshots of its job whose path is
/// the source's stable dump path.
public struct DumpLocator {
    let repository: Repository

    public init(repository: Repository) { self.repository = repository }

    /// The source's dumps, oldest first.
    public func dumps(of source: DatabaseSource, job: Job) throws -> [StoredSnapshot] {
        try repository.snapshotListing().snapshots.filter {
            $0.snapshot.tags.contains(job.jobTag) && $0.snapshot.paths == [source.snapshotPath]
        }
    }

    /// The dump `spec` names: `latest` (the newest snapshot holding the source) or a
    /// snapshot id or prefix, which must hold the source's dump.
    public func dump(of source: DatabaseSource, job: Job, spec: String, repositoryName: String) throws -> (StoredSnapshot, Node) {
        let stored: StoredSnapshot
        if spec == "latest" {
            guard let newest = try dumps(of: source, job: job).last else {
                throw JobError.noDump(source: source.name, repository: repositoryName)
            }
            stored = newest
        } else {
            stored = try repository.findSnapshot(spec)
        }
        guard let node = try SnapshotBrowser(repository: repository).node(at: source.snapshotPath, in: stored.snapshot),
              node.type == .file else {
            throw JobError.noDumpInSnapshot(source: source.name, snapshot: stored.shortID, path: source.snapshotPath)
        }
        return (stored, node)
    }
}
