import Foundation
import Repo

/// Applies a job's `keep` policy to the job's snapshots (tag `job:NAME`) in one
/// repository, per group of host and paths: each database source and the files are
/// their own group, so each keeps its own last, daily, weekly... snapshots.
struct JobRetention {
    let job: Job
    let policy: RetentionPolicy

    /// Forgets what the policy drops (the caller holds the exclusive lock) and returns it.
    func forget(in repository: Repository) throws -> [StoredSnapshot] {
        let snapshots = try repository.snapshots().filter { $0.snapshot.tags.contains(job.jobTag) }
        var removals: [StoredSnapshot] = []
        for (_, group) in GroupKey.group(snapshots, by: GroupingField.defaultFields) {
            removals += policy.apply(to: group).filter { !$0.keep }.map(\.snapshot)
        }
        try repository.forget(removals)
        return removals
    }
}
