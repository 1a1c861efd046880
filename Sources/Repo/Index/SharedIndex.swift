import Crypto
import Foundation

/// The in-memory index as the repository (which loads and extends it) and its blob layer
/// (which finds blobs through it) share it, under one lock: snapshot workers, restore
/// workers and the uploader's threads all ask it at once.
final class SharedIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var live = BlobIndex()
    /// Blobs of condemned packs (not in the index, not yet deleted): read from when a
    /// snapshot that raced a prune refers to them, never deduplicated against.
    private var condemned = BlobIndex()

    func replace(live: BlobIndex, condemned: BlobIndex) {
        lock.withLock { (self.live, self.condemned) = (live, condemned) }
    }

    func add(_ packs: [IndexedPack]) { lock.withLock { for pack in packs { live.add(pack) } } }

    func contains(_ blob: Digest256) -> Bool { lock.withLock { live.contains(blob) } }

    /// Where a blob can be read: from the index, or failing that from a condemned pack.
    func location(of blob: Digest256) -> BlobLocation? {
        lock.withLock { live.location(of: blob) ?? condemned.location(of: blob) }
    }

    /// Whether a blob is missing from the index but still held by a condemned pack.
    func isOnlyCondemned(_ blob: Digest256) -> Bool {
        lock.withLock { !live.contains(blob) && condemned.contains(blob) }
    }

    /// A pack blobs can be read from: indexed, or condemned.
    func pack(_ id: Digest256) -> BlobIndex.Pack? { lock.withLock { live.pack(id) ?? condemned.pack(id) } }

    var count: Int { lock.withLock { live.count } }

    func withLive<R>(_ body: (BlobIndex) throws -> R) rethrows -> R { try lock.withLock { try body(live) } }

    /// About `count` ids spread evenly over the index, for timing lookups at scale.
    func sample(count: Int) -> [Digest256] {
        lock.withLock {
            live.compact()
            return live.withSortedEntries { entries in
                guard !entries.isEmpty, count > 0 else { return [] }
                return stride(from: 0, to: entries.count, by: max(1, entries.count / count)).prefix(count).map { entries[$0].id }
            }
        }
    }
}
