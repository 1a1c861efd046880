import Crypto

/// Packs stored but not yet listed by an index object, and when they make one. Index
/// objects end at 64 packs or 65,536 blobs, whichever comes first, so they stay small (a
/// few MB) whatever the blob size: prune reads and rewrites them one at a time.
///
/// A pack is stored before any index object lists it: a crash in between leaves a pack
/// that nothing refers to, which prune removes.
struct IndexBatch {
    static let packsPerIndex = 64
    static let blobsPerIndex = 65_536
    /// The bytes of records copied from other index objects (prune) that make one as large
    /// as a snapshot's: about 40 bytes a blob.
    static let recordBytesPerIndex = blobsPerIndex * 40

    private var packs: [IndexedPack] = []
    private var blobs = 0

    /// Adds a stored pack; returns a full batch, to be written as one index object.
    mutating func add(_ pack: IndexedPack) -> [IndexedPack]? {
        packs.append(pack)
        blobs += pack.entries.count
        guard packs.count >= Self.packsPerIndex || blobs >= Self.blobsPerIndex else { return nil }
        return drain()
    }

    /// What is batched so far (perhaps nothing), leaving the batch empty.
    mutating func drain() -> [IndexedPack] {
        defer { (packs, blobs) = ([], 0) }
        return packs
    }
}
