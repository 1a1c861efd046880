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
    /// a job never empties a group. A damaged snapshot is left alone and the others judged
    /// without it (which keeps at least as many); the step then fails naming it, so the
    /// run's report and notification say so.
    func forget(in repository: Repository) throws -> [StoredSnapshot] {
        let listing = try repository.snapshotListing()
        let snapshots = listing.snapshots.filter { $0.snapshot.tags.contains(job.jobTag) }
        let removals = try RetentionPlan(snapshots: snapshots, policy: policy).removals
        try repository.forget(removals)
        if let damage = listing.damageSummary { throw RetentionDamage(summary: damage, forgotten: removals.count) }
        // WAL older than the oldest base backup left serves no restore (docs/guide.md,
        // "PostgreSQL point-in-time recovery"); not judged while a snapshot is damaged.
        _ = try repository.forgetUnneededWAL()
        return removals
    }
}

/// The retention step forgot what its policy dropped, but some snapshots are damaged.
struct RetentionDamage: Error, CustomStringConvertible {
    let summary: String
    let forgotten: Int

    var description: String { "forgot \(forgotten) snapshot(s), but \(summary)" }
}
