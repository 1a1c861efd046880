import Foundation
import Repo

/// `policy show --json` (null when no policy is stored).
struct PolicyMessage: Encodable {
    /// The rules as the repository stores them (RetentionPolicyCoding.swift).
    let policy: RetentionPolicy
    let group_by: [String]
    let time: String
    let host: String

    init(_ stored: StoredPolicy) {
        policy = stored.policy
        group_by = stored.groupBy.map(\.rawValue)
        time = MessageEncoding.time(stored.time)
        host = stored.host
    }
}

/// One group of `forget --json`, a line each.
struct ForgetGroupMessage: Encodable {
    struct Kept: Encodable {
        let id: String
        let reasons: [String]
    }

    let group: String
    let keep: [Kept]
    let remove: [String]
}

/// `prune --json` (also after `forget --prune`).
struct PruneMessage: Encodable {
    let message_type = "prune"
    let dry_run: Bool
    let snapshots: Int
    let blobs: Int
    let blobs_in_use: Int
    let packs: Int
    let stored_bytes: Int
    let bytes_in_use: Int
    let unused_packs: Int
    let unused_bytes: Int
    /// Partly used packs not repacked because they are archived and not thawed.
    let archived_kept_packs: Int
    let archived_kept_bytes: Int
    let repacked_packs: Int
    let repacked_bytes: Int
    let repacked_blobs: Int
    let rewritten_bytes: Int
    let resealed_packs: Int
    let unindexed_packs: Int
    let missing_packs: Int
    let deleted_packs: Int
    let deleted_bytes: Int
    let condemned_packs: Int
    let condemned_bytes: Int
    let deferred_because: [String]
    let restored_packs: Int
    let freed_bytes: Int
    let damaged_packs: [String]
    let incomplete_writes_removed: Int

    init(_ report: PruneReport) {
        dry_run = report.dryRun
        snapshots = report.snapshots
        blobs = report.blobs
        blobs_in_use = report.liveBlobs
        packs = report.packs
        stored_bytes = report.storedBytes
        bytes_in_use = report.liveBytes
        unused_packs = report.unusedPacks
        unused_bytes = report.unusedBytes
        archived_kept_packs = report.archivedKeptPacks
        archived_kept_bytes = report.archivedKeptBytes
        repacked_packs = report.repackedPacks
        repacked_bytes = report.repackedBytes
        repacked_blobs = report.repackedBlobs
        rewritten_bytes = report.rewrittenBytes
        resealed_packs = report.resealedPacks
        unindexed_packs = report.unindexedPacks
        missing_packs = report.missingPacks
        deleted_packs = report.deletedPacks
        deleted_bytes = report.deletedBytes
        condemned_packs = report.condemnedPacks
        condemned_bytes = report.condemnedBytes
        deferred_because = report.deferredBecause
        restored_packs = report.restoredPacks
        freed_bytes = report.freedBytes
        damaged_packs = report.damagedPacks
        incomplete_writes_removed = report.incompleteWritesRemoved
    }
}
