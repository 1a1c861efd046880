/// What a prune found and did (or, in a dry run, would do).
public struct PruneReport: Sendable {
    public var snapshots = 0
    public var blobs = 0
    public var liveBlobs = 0
    public var packs = 0
    /// Bytes of all stored packs before the prune.
    public var storedBytes = 0
    /// Bytes of live blobs, as sealed.
    public var liveBytes = 0

    /// Packs with no live blob.
    public var unusedPacks = 0
    public var unusedBytes = 0
    /// Packs rewritten because too much of them was unused: their size, and the size of the
    /// packs their live blobs went into (in a dry run, the live bytes they hold).
    public var repackedPacks = 0
    public var repackedBytes = 0
    public var repackedBlobs = 0
    public var rewrittenBytes = 0
    /// Of the repacked packs, those sealed under an older key generation than the newest
    /// (all of them are moved by `--reseal`; any repack moves blobs to the newest).
    public var resealedPacks = 0
    /// Packs that would have been repacked but are archived (S3 GLACIER, DEEP_ARCHIVE) and
    /// not thawed: kept as they are, since repacking reads them.
    public var archivedKeptPacks = 0
    public var archivedKeptBytes = 0
    /// Packs in storage that no index lists (left by interrupted operations).
    public var unindexedPacks = 0
    public var unindexedBytes = 0
    /// Packs the index lists that are gone from storage, with no live blob: dropped.
    public var missingPacks = 0

    /// Packs deleted by this run (condemned now or by earlier prunes).
    public var deletedPacks = 0
    public var deletedBytes = 0
    /// Packs left condemned for a later prune, and why.
    public var condemnedPacks = 0
    public var condemnedBytes = 0
    public var deferredBecause: [String] = []
    /// Condemned packs put back into the index because a snapshot refers to them.
    public var restoredPacks = 0

    /// Remains of writes that never completed (temporary files, unfinished multipart
    /// uploads) removed from storage, and why removing them failed if it did (the prune
    /// itself stands). Neither is looked for in a dry run.
    public var incompleteWritesRemoved = 0
    public var incompleteWritesFailure: String?

    public var indexObjectsWritten = 0
    public var indexObjectsRemoved = 0
    /// Unindexed packs whose header could not be read: left in place.
    public var damagedPacks: [String] = []
    public var dryRun = false

    /// Net bytes this run returned to the storage.
    public var freedBytes: Int { deletedBytes - rewrittenBytes }
}
