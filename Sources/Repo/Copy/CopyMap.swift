import Crypto
import Foundation

/// What `repo copy` remembers between runs, in the target repository's local cache: for
/// each source blob it has copied, the id the same plaintext has in the target (ids are
/// keyed, so they differ), and for each source tree, the target tree it became.
///
/// A mapping is a pure function of the two repositories' keys and the blob's plaintext, so
/// it never goes wrong; what may go wrong is whether the target still holds the blob, which
/// the copier checks against the target's index before trusting any entry. A tree entry
/// also says which source snapshot it was made for and in which run: a tree in the target's
/// index may have lost descendants to a prune (a partly used pack is kept, another deleted),
/// but not while a copy of that snapshot still exists there, nor during the run that made it.
///
/// Rows live in the cache's `objects` table under two kinds named after the source
/// repository (the cache itself belongs to the target), so the pair of repository ids keys
/// them. Losing the cache costs time only. Writes are batched; a small memo in memory
/// answers for recent entries (and is the only memory when there is no cache). Memory is
/// bounded whatever the size of the data.
final class CopyMap {
    /// A source tree's counterpart in the target.
    struct TreeEntry: Equatable {
        var target: Digest256
        /// The run (a random token per copy) that recorded the entry.
        var run: [UInt8]
        /// The source snapshot whose copy the tree was built for.
        var snapshot: Digest256
    }

    private let cache: LocalCache?
    private let blobKind: String
    private let treeKind: String
    private var blobMemo: [Digest256: Digest256] = [:]
    private var treeMemo: [Digest256: TreeEntry] = [:]
    private var unwrittenBlobs: [(String, [UInt8])] = []
    private var unwrittenTrees: [(String, [UInt8])] = []

    /// Rows written per cache transaction.
    static let batchSize = 2048
    /// Entries the memo holds before it is emptied (about 100 bytes each).
    static let memoLimit = 1 << 16

    init(cache: LocalCache?, sourceRepositoryID: String) {
        self.cache = cache
        blobKind = "copy-blob \(sourceRepositoryID)"
        treeKind = "copy-tree \(sourceRepositoryID)"
    }

    func blob(_ source: Digest256) -> Digest256? {
        if let target = blobMemo[source] { return target }
        guard let bytes = cache?.get(blobKind, source.hex), bytes.count == Digest256.byteCount else { return nil }
        return bytes.withUnsafeBytes { Digest256(bytes: $0) }
    }

    func tree(_ source: Digest256) -> TreeEntry? {
        if let entry = treeMemo[source] { return entry }
        guard let bytes = cache?.get(treeKind, source.hex), bytes.count == 2 * Digest256.byteCount + Copier.runTokenSize else {
            return nil
        }
        return bytes.withUnsafeBytes { raw in
            TreeEntry(target: Digest256(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<32])),
                      run: Array(raw[32..<32 + Copier.runTokenSize]),
                      snapshot: Digest256(bytes: UnsafeRawBufferPointer(rebasing: raw[(32 + Copier.runTokenSize)...])))
        }
    }

    func recordBlob(_ source: Digest256, _ target: Digest256) {
        trimMemo()
        blobMemo[source] = target
        guard cache != nil else { return }
        unwrittenBlobs.append((source.hex, target.bytes))
        if unwrittenBlobs.count >= Self.batchSize { flush() }
    }

    func recordTree(_ source: Digest256, _ entry: TreeEntry) {
        trimMemo()
        treeMemo[source] = entry
        guard cache != nil else { return }
        unwrittenTrees.append((source.hex, entry.target.bytes + entry.run + entry.snapshot.bytes))
        if unwrittenTrees.count >= Self.batchSize { flush() }
    }

    /// Writes what is not yet in the cache (each kind in one transaction).
    func flush() {
        guard let cache else { return }
        if !unwrittenBlobs.isEmpty { cache.putAll(blobKind, unwrittenBlobs) }
        if !unwrittenTrees.isEmpty { cache.putAll(treeKind, unwrittenTrees) }
        unwrittenBlobs.removeAll(keepingCapacity: true)
        unwrittenTrees.removeAll(keepingCapacity: true)
    }

    /// Empties the memo when it is full; entries not yet written are written first, so
    /// that none is lost.
    private func trimMemo() {
        guard blobMemo.count + treeMemo.count >= Self.memoLimit else { return }
        flush()
        blobMemo.removeAll(keepingCapacity: true)
        treeMemo.removeAll(keepingCapacity: true)
    }
}
