import Crypto
import Synchronization

/// The blobs a snapshot has promised to store but the repository's index does not list yet,
/// so that two files holding the same chunk store it once.
///
/// A blob leaves once its pack's index object is written and the in-memory index has it:
/// from then on the index answers for it. So the set holds about one index batch (65,536
/// blobs) and the packs in flight, not every blob of the snapshot: kept to the end, it was
/// the largest structure of a first snapshot of many small files (a 32-byte id in a hash
/// set that doubles as it grows: 64-96 bytes a blob, 100 MB at a million files).
final class ClaimedBlobs: Sendable {
    private let ids = Mutex(Set<Digest256>())

    /// For each id, whether the caller is to store it: true once, for the first caller,
    /// unless `isIndexed` says the repository has it already.
    func claim(_ batch: [Digest256], isIndexed: (Digest256) -> Bool) -> [Bool] {
        ids.withLock { ids in
            batch.map { id in
                guard !ids.contains(id), !isIndexed(id) else { return false }
                ids.insert(id)
                return true
            }
        }
    }

    /// Forgets the blobs of `packs`, which the index now lists.
    func indexed(_ packs: [IndexedPack]) {
        ids.withLock { ids in
            for pack in packs { for entry in pack.entries { ids.remove(entry.id) } }
        }
    }

    var count: Int { ids.withLock { $0.count } }
}
