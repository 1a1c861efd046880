import Crypto
import Foundation

/// Packs stored but not yet listed by an index object, and when they make one. Index
/// objects end at 64 packs or 65,536 blobs, whichever comes first, so they stay small (a
/// few MB) whatever the blob size: prune reads and rewrites them one at a time. They also
/// end once the batch's first pack was stored `maximumAge` ago (60 s), so that a snapshot
/// killed on a slow link leaves at most about a minute of uploads unindexed, even for a
/// version of repo that does not adopt unindexed packs (docs/design.md, "Resuming an
/// interrupted upload").
///
/// A pack is stored before any index object lists it: a crash in between leaves a pack
/// that nothing refers to, which the next snapshot adopts or prune removes.
struct IndexBatch {
    static let packsPerIndex = 64
    static let blobsPerIndex = 65_536
    /// Seconds a stored pack may wait for its index object.
    static let maximumAge: Double = 60
    /// The bytes of records copied from other index objects (prune) that make one as large
    /// as a snapshot's: about 40 bytes a blob.
    static let recordBytesPerIndex = blobsPerIndex * 40

    private let maximumAge: Double
    private var packs: [IndexedPack] = []
    private var blobs = 0
    /// When the batch's first pack was added.
    private var started: Date?

    init(maximumAge: Double = Self.maximumAge) { self.maximumAge = maximumAge }

    /// Adds a pack stored at `now`; returns a full (or old enough) batch, to be written as
    /// one index object.
    mutating func add(_ pack: IndexedPack, now: Date = Date()) -> [IndexedPack]? {
        packs.append(pack)
        blobs += pack.entries.count
        let started = self.started ?? now
        self.started = started
        guard packs.count >= Self.packsPerIndex || blobs >= Self.blobsPerIndex
                || now.timeIntervalSince(started) >= maximumAge else { return nil }
        return drain()
    }

    /// What is batched so far (perhaps nothing), leaving the batch empty.
    mutating func drain() -> [IndexedPack] {
        defer { (packs, blobs, started) = ([], 0, nil) }
        return packs
    }
}
