import Foundation
import Workers

/// How `repo copy` runs.
public struct CopyOptions: Sendable {
    /// Compression and encryption workers of the target's blob sink.
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// Raised, the copy stops at the next tree, stores what it had sent, writes the copies
    /// of the snapshots it finished, and says how many did not get theirs.
    public var cancellation = Cancellation.process
    /// Archived source packs the copy needs (S3 GLACIER, DEEP_ARCHIVE) are thawed as this
    /// says; nil: they stop the copy before it sends anything (`ArchivedPacksError`).
    public var thaw: ThawOptions?
    /// Told what a thaw does.
    public var thawEvents: @Sendable (ThawEvent) -> Void = { _ in }

    public init() {}
}

/// What a copy did with one source snapshot.
public struct CopiedSnapshot: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// A new snapshot was written in the target.
        case copied
        /// The target already had a copy (or the original): nothing was read or sent.
        case alreadyCopied
        /// The source snapshot could not be read whole (missing or damaged data): nothing
        /// was written for it; the message says why.
        case failed(String)
    }

    public let source: StoredSnapshot
    /// The snapshot in the target: the new copy, or the copy that was there already; nil
    /// when the copy failed.
    public internal(set) var target: StoredSnapshot?
    public internal(set) var outcome: Outcome
    /// Blobs stored in the target for this snapshot, and their plaintext bytes. (The bytes
    /// stored after compression and encryption are only known for the whole run:
    /// `CopySummary.bytesStored`.)
    public internal(set) var blobsSent = 0
    public internal(set) var bytesSent: UInt64 = 0
    /// Blobs read from the source (and their plaintext bytes): what the cache's mappings
    /// did not spare.
    public internal(set) var blobsRead = 0
    public internal(set) var bytesRead: UInt64 = 0
    /// Data blobs and trees found in the target through the mapping, without being read.
    public internal(set) var blobsReused = 0
    public internal(set) var treesReused = 0

    init(source: StoredSnapshot, target: StoredSnapshot?, outcome: Outcome) {
        self.source = source
        self.target = target
        self.outcome = outcome
    }
}

/// What a whole copy did.
public struct CopySummary: Sendable {
    /// Every selected source snapshot, oldest first.
    public internal(set) var snapshots: [CopiedSnapshot] = []
    /// Bytes written to the target's packs (compressed and encrypted) for the whole run.
    public internal(set) var bytesStored: UInt64 = 0
    /// Packs of an interrupted copy or snapshot that the target held unindexed, taken over
    /// before the copy began.
    public internal(set) var adopted = AdoptedPacks()
    /// Source snapshots that do not load: not copied (the copy's exit says damage).
    public internal(set) var damagedInSource: [SnapshotListing.Damaged] = []
    /// Target snapshots that do not load: what they were copies of may be copied again.
    public internal(set) var damagedInTarget: [SnapshotListing.Damaged] = []

    public var copied: Int { snapshots.filter { $0.outcome == .copied }.count }
    public var alreadyCopied: Int { snapshots.filter { $0.outcome == .alreadyCopied }.count }
    public var failed: [CopiedSnapshot] {
        snapshots.filter { if case .failed = $0.outcome { return true } else { return false } }
    }
    public var blobsSent: Int { snapshots.reduce(0) { $0 + $1.blobsSent } }
    public var bytesSent: UInt64 { snapshots.reduce(0) { $0 + $1.bytesSent } }
    public var blobsRead: Int { snapshots.reduce(0) { $0 + $1.blobsRead } }
    public var bytesRead: UInt64 { snapshots.reduce(0) { $0 + $1.bytesRead } }
}

/// Why a copy could not run at all.
public enum CopyError: Error, Equatable, Sendable, CustomStringConvertible {
    case sameRepository(String)

    public var description: String {
        switch self {
        case .sameRepository(let id):
            return "the source and the target are the same repository (\(id.prefix(8))): nothing to copy"
        }
    }
}
