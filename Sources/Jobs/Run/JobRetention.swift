import Foundation
import Repo

/// Applies a job's `keep` policy to the job's snapshots (tag `job:NAME`) in one
/// repository, per group of host and paths: each database source and the files are
/// their own group, so each keeps its own last, daily, weekly... snapshots.
struct JobRetention {
    let job: Job
    let policy: RetentionPolicy

    /// Forgets what the policy drops (the caller holds the exclusive lock) and returns it.
    /// A policy that would remove every snapshot of a source is refused (the step fails):
    /// a job never empties a group.
    func forget(in repository: Repository) throws -> [StoredSnapshot] {
        let snapshots = try repository.snapshots().filter { $0.snapshot.tags.contains(job.jobTag) }
        let removals = try RetentionPlan(snapshots: snapshots, policy: policy).removals
        try repository.forget(removals)
        return removals
    }
}
