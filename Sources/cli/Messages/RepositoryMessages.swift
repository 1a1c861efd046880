import Foundation
import Jobs
import Repo

/// `init --json`.
struct InitMessage: Encodable {
    let id: String
    let location: String
    let compression: String
    let compression_level: Int
    let dump_chunk_size: Int
}

/// `check --json`.
struct CheckMessage: Encodable {
    let clean: Bool
    let problems: [String]
    let notes: [String]
    let snapshots: Int
    let trees: Int
    let blobs: Int
    let packs: Int
    let packs_read: Int
    let bytes_read: UInt64
    /// Packs archived in a cold tier and not thawed: not read, not damage.
    let archived_packs: Int
    let archived_bytes: UInt64

    init(_ report: CheckReport) {
        clean = report.isClean
        problems = report.problems
        notes = report.notes
        snapshots = report.snapshots
        trees = report.trees
        blobs = report.blobs
        packs = report.packs
        packs_read = report.packsRead
        bytes_read = report.bytesRead
        archived_packs = report.archivedPacks
        archived_bytes = report.archivedBytes
    }
}

/// `stats --json`.
struct StatsMessage: Encodable {
    let snapshots: Int
    let files: Int
    let logical_bytes: UInt64
    let unique_blobs: Int
    let unique_bytes: UInt64
    let stored_bytes: UInt64
    let pack_bytes: UInt64
    let packs: Int
    let dedup_ratio: Double
    let compression_ratio: Double

    init(_ stats: RepositoryStats) {
        snapshots = stats.snapshots
        files = stats.files
        logical_bytes = stats.logicalBytes
        unique_blobs = stats.uniqueBlobs
        unique_bytes = stats.uniqueBytes
        stored_bytes = stats.storedBytes
        pack_bytes = stats.packBytes
        packs = stats.packs
        dedup_ratio = stats.deduplicationRatio
        compression_ratio = stats.compressionRatio
    }
}

/// `restore --json`.
struct RestoreMessage: Encodable {
    let snapshot: String
    let files: Int
    let directories: Int
    let others: Int
    let files_unchanged: Int
    let files_failed: Int
    let bytes_written: UInt64
    let files_verified: Int
    let damaged_blobs: Int
    let problems: [String]

    init(snapshot: String, _ summary: RestoreSummary) {
        self.snapshot = snapshot
        files = summary.files
        directories = summary.directories
        others = summary.others
        files_unchanged = summary.filesUnchanged
        files_failed = summary.filesFailed
        bytes_written = summary.bytesWritten
        files_verified = summary.filesVerified
        damaged_blobs = summary.damagedBlobs
        problems = summary.problems
    }
}

/// One key of `key list --json` (an array of them).
struct KeyEntry: Encodable {
    let id: String
    let host: String
    let user: String
    let current: Bool
    /// Local time, `YYYY-MM-DD HH:MM:SS`, as the text shows it.
    let created: String

    init(_ key: KeyInfo) {
        id = key.id
        host = key.host
        user = key.user
        current = key.isCurrent
        created = Format.time(key.created)
    }
}

/// `repair index --json`.
struct RepairIndexMessage: Encodable {
    let packs: Int
    let blobs: Int
    let damaged_packs: [String]
    let index_written: Int
    let index_removed: Int

    init(_ report: IndexRepairReport) {
        packs = report.packsIndexed
        blobs = report.blobsIndexed
        damaged_packs = report.damagedPacks
        index_written = report.indexObjectsWritten
        index_removed = report.indexObjectsRemoved
    }
}

/// One damaged pack of `repair packs --json`, a line each.
struct RepairPackMessage: Encodable {
    let message_type = "pack"
    let pack: String
    let type: String
    /// What is wrong with it; null for a pack named on the command line that reads clean.
    @Nullable var problem: String?
    let salvaged: Int
    /// The ids of the blobs lost.
    let lost: [String]
    let held_elsewhere: Int
    /// Why it could not be repaired (it stays as it was); null when done.
    @Nullable var failure: String?
    let dry_run: Bool

    init(_ pack: PackRepairReport.Pack, dryRun: Bool) {
        self.pack = pack.id
        type = "\(pack.type)"
        problem = pack.problem
        salvaged = pack.salvaged
        lost = pack.lost
        held_elsewhere = pack.heldElsewhere
        failure = pack.failure
        dry_run = dryRun
    }
}

/// The last line of `repair packs --json`.
struct RepairPacksSummaryMessage: Encodable {
    let message_type = "summary"
    let packs_read: Int
    let bytes_read: UInt64
    let packs_repaired: Int
    let packs_failed: Int
    let blobs_lost: Int
    let packs_deleted: Int
    let index_written: Int
    let index_removed: Int
    let dry_run: Bool

    init(_ report: PackRepairReport) {
        packs_read = report.packsRead
        bytes_read = report.bytesRead
        packs_failed = report.packs.count { $0.failure != nil }
        packs_repaired = report.packs.count - packs_failed
        blobs_lost = report.lostBlobs
        packs_deleted = report.packsDeleted
        index_written = report.indexObjectsWritten
        index_removed = report.indexObjectsRemoved
        dry_run = report.dryRun
    }
}

/// One damaged snapshot of `repair snapshots --json`, a line each.
struct RepairSnapshotMessage: Encodable {
    let snapshot: String
    /// The rewritten snapshot's id; null in a dry run.
    @Nullable var repaired: String?
    let lost: [String]

    init(_ result: SnapshotRepairResult) {
        snapshot = result.original
        repaired = result.repaired?.id
        lost = result.lost
    }
}

/// One pack key generation in `key list --generations --json`.
struct KeyGenerationEntry: Encodable {
    let generation: UInt32
    /// Local time as the text shows it; absent for generation 0 (the master secret).
    let created: String?
    let current: Bool
    let packs: Int
    let bytes: Int

    init(_ info: KeyGenerationInfo) {
        generation = info.number
        created = info.created.map(Format.time)
        current = info.isCurrent
        packs = info.packs
        bytes = info.bytes
    }
}
