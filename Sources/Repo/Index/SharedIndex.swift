import Crypto
import Foundation
import Synchronization

/// The in-memory index as the repository (which loads and extends it) and its blob layer
/// (which finds blobs through it) share it, under one lock: snapshot workers, restore
/// workers and the uploader's threads all ask it at once.
final class SharedIndex: Sendable {
    private struct State {
        var live = BlobIndex()
        /// Blobs of condemned packs (not in the index, not yet deleted): read from when a
        /// snapshot that raced a prune refers to them, never deduplicated against.
        var condemned = BlobIndex()
    }

    private let state = Mutex(State())

    func replace(live: BlobIndex, condemned: BlobIndex) {
        state.withLock { $0 = State(live: live, condemned: condemned) }
    }

    func add(_ packs: [IndexedPack]) { state.withLock { for pack in packs { $0.live.add(pack) } } }

    /// Drops the blobs of the packs `isGone` picks from the live index; returns those packs.
    func removeBlobs(ofPacks isGone: (Digest256) -> Bool) -> Set<Digest256> {
        state.withLock { $0.live.removeBlobs(ofPacks: isGone) }
    }

    func contains(_ blob: Digest256) -> Bool { state.withLock { $0.live.contains(blob) } }

    /// Where a blob can be read: from the index, or failing that from a condemned pack.
    func location(of blob: Digest256) -> BlobLocation? {
        state.withLock { $0.live.location(of: blob) ?? $0.condemned.location(of: blob) }
    }

    /// Whether a blob is missing from the index but still held by a condemned pack.
    func isOnlyCondemned(_ blob: Digest256) -> Bool {
        state.withLock { !$0.live.contains(blob) && $0.condemned.contains(blob) }
    }

    /// A pack blobs can be read from: indexed, or condemned.
    func pack(_ id: Digest256) -> BlobIndex.Pack? { state.withLock { $0.live.pack(id) ?? $0.condemned.pack(id) } }

    var count: Int { state.withLock { $0.live.count } }

    var condemnedCount: Int { state.withLock { $0.condemned.count } }

    func withLive<R, E: Error>(_ body: (BlobIndex) throws(E) -> R) throws(E) -> R {
        try state.withLock { state throws(E) -> R in try body(state.live) }
    }

    /// About `count` ids spread evenly over the index, for timing lookups at scale.
    func sample(count: Int) -> [Digest256] {
        state.withLock { state in
            state.live.compact()
            return state.live.withSortedEntries { entries in
                guard !entries.isEmpty, count > 0 else { return [] }
                return stride(from: 0, to: entries.count, by: max(1, entries.count / count)).prefix(count).map { entries[$0].id }
            }
        }
    }
}
