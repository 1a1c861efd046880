import Crypto
import Foundation
import Storage
import Workers

/// Copies snapshots from one repository to another (`repo copy`), each with its own keys.
///
/// Blob ids are keyed by each repository's id key, so the same content has different ids in
/// the two, and so do the trees that list them. The copier therefore walks each source
/// snapshot's trees, gives every data blob its target id (storing it through the target's
/// blob sink, which compresses and encrypts with the target's keys, when the target lacks
/// it), rebuilds every tree with target ids, and writes a snapshot with the source's
/// metadata and `copied_from` set to the source snapshot's id (docs/format.md).
///
/// What makes a second run cheap:
/// - a source snapshot that already has a faithful copy in the target is skipped unread;
/// - a source blob whose target id is in the map (`CopyMap`, in the target's local cache)
///   and in the target's index is neither read nor hashed;
/// - a source tree mapped to a target tree that is in the target's index and belongs to a
///   copy present in the target (or was completed in this run) is reused without a walk.
///
/// The walk is depth first and holds one tree per level; the set of blobs queued but not
/// yet indexed is trimmed as the sink indexes them, and the map's memo is bounded, so
/// memory does not grow with the size of the data.
///
/// Write order as in a snapshot: all blobs go through one sink, which is finished (every
/// pack and index object stored) before the first snapshot object is written.
public final class Copier {
    private let source: Repository
    /// Reads source blobs with the restore path's read-ahead (on an object store one
    /// request serves the many blobs stored next to each other), checked against their ids:
    /// damage is never copied.
    private lazy var sourceBlobs = BlobReader(store: source.blobs, checkingIDs: true)
    private let target: Repository
    private let options: CopyOptions
    private let beforeCommit: () throws -> Void
    private let map: CopyMap
    /// A random token naming this run in the map's tree entries.
    private let run = SecureRandom.bytes(count: Copier.runTokenSize)
    static let runTokenSize = 16

    /// Target blobs queued in this run and perhaps not yet in the target's index.
    private var queued = Set<Digest256>()
    private var trimQueuedAt = Copier.minimumTrim
    private static let minimumTrim = 1 << 16
    /// Source snapshots whose trees are known whole in the target: those with a faithful
    /// copy there when the run started.
    private var trustedSnapshots = Set<Digest256>()

    /// `beforeCommit` runs before each snapshot object is written, once all data is stored;
    /// the command passes its target lock's `ensureHeld`.
    public init(source: Repository, target: Repository, options: CopyOptions = .init(),
                beforeCommit: @escaping () throws -> Void = {}) {
        self.source = source
        self.target = target
        self.options = options
        self.beforeCommit = beforeCommit
        map = CopyMap(cache: target.cache, sourceRepositoryID: source.id)
    }

    /// Copies the source snapshots that `specs` name (ids, unique id prefixes, `latest`;
    /// none: every snapshot) among those `filter` admits, oldest first.
    public func copy(_ specs: [String] = [], filter: SnapshotFilter = .init()) throws -> CopySummary {
        guard source.id != target.id else { throw CopyError.sameRepository(source.id) }
        (queued, trustedSnapshots) = ([], [])
        // A damaged snapshot on either side is named in the summary, not a reason to copy
        // none of the others.
        let sourceListing = try source.snapshotListing(), targetListing = try target.snapshotListing()
        let all = sourceListing.snapshots
        let selected = try Self.select(specs, among: all.filter { filter.matches($0.snapshot) })
        let copies = CopyIndex(targetListing.snapshots)
        // Blobs of target packs deleted behind its back are sent again, not referred to (D5);
        // packs an interrupted copy or snapshot stored in the target without indexing them
        // are adopted, so their blobs are not sent again.
        let adopted = try target.prepareForNewBlobs(cancellation: options.cancellation).adopted

        // Which source snapshots the target has already: they are skipped, and their trees
        // may be reused for the others (under the copy's own `copied_from` too: after a
        // retag the source snapshot has a new id, and the map's entries name the old one).
        for stored in all {
            guard let copy = copies.copy(of: stored) else { continue }
            for id in [stored.id, copy.snapshot.copiedFrom].compactMap({ $0.flatMap(Digest256.init(hex:)) }) {
                trustedSnapshots.insert(id)
            }
        }
        try makeSourcePacksReadable(selected.filter { copies.copy(of: $0) == nil })
        var summary = CopySummary()
        summary.adopted = adopted
        (summary.damagedInSource, summary.damagedInTarget) = (sourceListing.damaged, targetListing.damaged)
        var pending: [(index: Int, root: Digest256)] = []
        var stop: Cancelled?
        let sink = BlobSink(repository: target, workers: options.jobs)
        do {
            for stored in selected {
                if stop == nil, options.cancellation.isCancelled { stop = Cancelled(signal: options.cancellation.signal) }
                if stop != nil { break }
                if let copy = copies.copy(of: stored) {
                    summary.snapshots.append(CopiedSnapshot(source: stored, target: copy, outcome: .alreadyCopied))
                    continue
                }
                var result = CopiedSnapshot(source: stored, target: nil, outcome: .copied)
                do {
                    let root = try copyTree(stored.snapshot.tree, for: stored, sink: sink, &result)
                    pending.append((summary.snapshots.count, root))
                } catch let damage as SourceDamage {
                    result.outcome = .failed(damage.description)
                } catch let cancelled as Cancelled {
                    // This snapshot is left out; what it sent is stored and reused next time.
                    stop = cancelled
                    break
                }
                summary.snapshots.append(result)
            }
            try sink.finish()
        } catch {
            _ = try? sink.finish()  // packs already stored stay unreferenced: prune removes them
            map.flush()
            throw error
        }
        map.flush()
        summary.bytesStored = sink.bytesAdded

        // Snapshot objects last, oldest first, so that a copy's parent is already copied.
        // A copy's parent is the copy of the source's parent, when the target has one.
        let sourceByID = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var copiedNow: [String: String] = [:]
        for (index, root) in pending {
            let stored = summary.snapshots[index].source
            var snapshot = stored.snapshot
            snapshot.tree = root
            snapshot.copiedFrom = stored.id
            snapshot.parent = stored.snapshot.parent.flatMap { parent in
                copiedNow[parent] ?? sourceByID[parent].flatMap { copies.copy(of: $0)?.id }
            }
            try beforeCommit()
            let saved = try target.saveSnapshot(snapshot)
            copiedNow[stored.id] = saved.id
            summary.snapshots[index].target = saved
        }
        if let stop {
            let left = selected.count - summary.snapshots.count
            throw stop.saying("copy stopped: \(pending.count) snapshot(s) copied, \(left) not; "
                              + "run it again to copy the rest (what was sent is reused)")
        }
        return summary
    }

    // MARK: Selection

    /// The snapshots `specs` name, as other commands resolve them, without duplicates and
    /// oldest first.
    static func select(_ specs: [String], among candidates: [StoredSnapshot]) throws -> [StoredSnapshot] {
        guard !specs.isEmpty else { return candidates }
        var chosen: [String: StoredSnapshot] = [:]
        for spec in specs {
            let match: StoredSnapshot
            if spec == "latest" {
                guard let latest = candidates.last else { throw RepositoryError.snapshotNotFound(spec) }
                match = latest
            } else {
                let matching = candidates.filter { $0.id.hasPrefix(spec.lowercased()) }
                guard !spec.isEmpty, let first = matching.first else { throw RepositoryError.snapshotNotFound(spec) }
                guard matching.count == 1 else { throw RepositoryError.ambiguousSnapshot(spec, matching.map(\.shortID)) }
                match = first
            }
            chosen[match.id] = match
        }
        return candidates.filter { chosen[$0.id] != nil }
    }

    // MARK: Archived source packs

    /// Before anything is sent: the source's archived data packs the copy of `snapshots`
    /// would read stop it with one line, or are thawed (`options.thaw`). The packs are
    /// found by the walk the copy makes, without its side effects: subtrees it would reuse
    /// and blobs the target has under their mapped id are not read, so neither are their packs.
    private func makeSourcePacksReadable(_ snapshots: [StoredSnapshot]) throws {
        guard !snapshots.isEmpty else { return }
        try PackThawGate(backend: source.backend, cancellation: options.cancellation).makeReadable(
            { PackArchiveSurvey.indexed(sourcePacksToRead(snapshots), in: source) },
            thaw: options.thaw, purpose: "the copy", events: options.thawEvents)
    }

    /// The source packs the copy of `snapshots` reads: those of data blobs the target lacks
    /// (under their mapped id) in trees it does not reuse.
    private func sourcePacksToRead(_ snapshots: [StoredSnapshot]) -> [Digest256] {
        var packs: [Digest256] = []
        var seenPacks = Set<Digest256>(), seenTrees = Set<Digest256>()
        func reusable(_ tree: Digest256) -> Bool {
            guard let entry = map.tree(tree), isPresent(entry.target) else { return false }
            return entry.run == run || trustedSnapshots.contains(entry.snapshot)
        }
        for snapshot in snapshots {
            var pending = [snapshot.snapshot.tree]
            while let tree = pending.popLast() {
                guard seenTrees.insert(tree).inserted, !reusable(tree) else { continue }
                // A tree that cannot be read is the copy's to report, for its snapshot.
                guard let nodes = try? source.loadTree(tree).nodes else { continue }
                for node in nodes {
                    if node.type == .directory, let subtree = node.subtree { pending.append(subtree) }
                    for case .blob(let blob) in node.content {
                        if let mapped = map.blob(blob), isPresent(mapped) { continue }
                        if let pack = source.location(of: blob)?.pack, seenPacks.insert(pack).inserted { packs.append(pack) }
                    }
                }
            }
        }
        return packs
    }

    // MARK: The walk

    /// The target id of the source tree `id`, copying it and everything below it that the
    /// target lacks: children before their parent, in a loop over a stack of open trees
    /// rather than by recursion (a snapshot may be deeper than a thread's stack allows).
    private func copyTree(_ id: Digest256, for snapshot: StoredSnapshot, sink: BlobSink,
                          _ result: inout CopiedSnapshot) throws -> Digest256 {
        let snapshotID = Digest256(hex: snapshot.id) ?? .zero
        if let reused = try reusedTree(id, snapshotID: snapshotID, &result) { return reused }
        var stack = [(id: id, cursor: try openTree(id, &result))]
        while true {
            let top = stack.count - 1
            guard var node = stack[top].cursor.next() else {
                let done = stack.removeLast()
                let targetID = try storeTree(done.id, Tree(nodes: done.cursor.nodes), snapshotID: snapshotID, sink: sink, &result)
                guard !stack.isEmpty else { return targetID }
                stack[top - 1].cursor.last.subtree = targetID
                continue
            }
            switch node.type {
            case .file:
                // A file's new blobs go to the sink together: a target that writes segments
                // compresses consecutive ones into one.
                var batch = dataBatch()
                for (position, piece) in node.content.enumerated() {
                    guard case .blob(let blob) = piece else { continue }
                    node.content[position] = .blob(try copyData(blob, into: &batch, sink: sink, &result))
                }
                if !batch.isEmpty { try sink.add(batch) }
                stack[top].cursor.last = node
            case .directory:
                guard let subtree = node.subtree else { break }
                if let reused = try reusedTree(subtree, snapshotID: snapshotID, &result) {
                    stack[top].cursor.last.subtree = reused
                } else {
                    // Its entry gets the target id once the subtree is stored, above.
                    stack.append((subtree, try openTree(subtree, &result)))
                }
            default:
                break
            }
        }
    }

    /// The target id of the source tree `id` when this run, or a snapshot trusted to be
    /// complete in the target, copied it already.
    private func reusedTree(_ id: Digest256, snapshotID: Digest256, _ result: inout CopiedSnapshot) throws -> Digest256? {
        try options.cancellation.check()
        guard let entry = map.tree(id), isPresent(entry.target),
              entry.run == run || trustedSnapshots.contains(entry.snapshot) else { return nil }
        result.treesReused += 1
        if entry.run != run { map.recordTree(id, .init(target: entry.target, run: run, snapshot: snapshotID)) }
        return entry.target
    }

    /// The source tree `id`, read and decoded.
    private func openTree(_ id: Digest256, _ result: inout CopiedSnapshot) throws -> TreeCursor {
        let plaintext = try read(id, &result)
        do {
            return TreeCursor(try Tree.decode(plaintext, name: "tree \(id.hex.prefix(8))"))
        } catch {
            throw SourceDamage(underlying: error)
        }
    }

    /// Stores `tree`, the copy of the source tree `id` with target ids in it; returns its id.
    private func storeTree(_ id: Digest256, _ tree: Tree, snapshotID: Digest256, sink: BlobSink,
                           _ result: inout CopiedSnapshot) throws -> Digest256 {
        let bytes = tree.encoded()
        let targetID = bytes.withUnsafeBytes { target.blobID(of: $0) }
        try store(targetID, type: .tree, bytes, sink: sink, &result)
        // Only now is everything below the tree stored or queued.
        map.recordTree(id, .init(target: targetID, run: run, snapshot: snapshotID))
        return targetID
    }

    /// An empty batch of a file's data blobs, handed over at the target's segment size.
    private func dataBatch() -> BlobSink.Job {
        var batch = BlobSink.Job(type: .data)
        batch.target = max(BlobSink.Job.targetBytes, target.parameters.segments?.maximum ?? 0)
        return batch
    }

    /// The target id of the source data blob `id`, adding the blob to `batch` (handed to
    /// `sink` when full) if the target lacks it.
    private func copyData(_ id: Digest256, into batch: inout BlobSink.Job, sink: BlobSink,
                          _ result: inout CopiedSnapshot) throws -> Digest256 {
        if let mapped = map.blob(id), isPresent(mapped) {
            result.blobsReused += 1
            return mapped
        }
        let plaintext = try read(id, &result)
        let targetID = plaintext.withUnsafeBytes { target.blobID(of: $0) }
        if !isPresent(targetID) {
            plaintext.withUnsafeBytes { batch.append($0, id: targetID) }
            queued(targetID, bytes: plaintext.count, &result)
            if batch.isFull {
                try sink.add(batch)
                batch = dataBatch()
            }
        }
        map.recordBlob(id, targetID)
        return targetID
    }

    /// A source blob's plaintext, checked against its id: damage is never copied.
    private func read(_ id: Digest256, _ result: inout CopiedSnapshot) throws -> [UInt8] {
        let plaintext: [UInt8]
        do {
            plaintext = try sourceBlobs.load(id)
        } catch {
            if SourceDamage.isDamage(error) { throw SourceDamage(underlying: error) }
            throw error
        }
        result.blobsRead += 1
        result.bytesRead += UInt64(plaintext.count)
        return plaintext
    }

    /// Queues a blob for the target unless it is there or queued already.
    private func store(_ id: Digest256, type: BlobType, _ plaintext: [UInt8], sink: BlobSink,
                       _ result: inout CopiedSnapshot) throws {
        guard !isPresent(id) else { return }
        try sink.add(BlobSink.Job(id: id, type: type, plaintext: plaintext))
        queued(id, bytes: plaintext.count, &result)
    }

    /// Notes a blob handed (or about to be handed) to the sink.
    private func queued(_ id: Digest256, bytes: Int, _ result: inout CopiedSnapshot) {
        queued.insert(id)
        result.blobsSent += 1
        result.bytesSent += UInt64(bytes)
        if queued.count >= trimQueuedAt {
            // The sink indexes packs as it goes; what the index has need not be remembered.
            queued = queued.filter { !target.contains($0) }
            trimQueuedAt = max(Self.minimumTrim, 2 * queued.count)
        }
    }

    private func isPresent(_ id: Digest256) -> Bool { queued.contains(id) || target.contains(id) }
}

/// The target's snapshots by what they are copies of.
private struct CopyIndex {
    private let byOrigin: [String: [StoredSnapshot]]
    private let byTime: [Date: [StoredSnapshot]]

    init(_ snapshots: [StoredSnapshot]) {
        byOrigin = Dictionary(grouping: snapshots.filter { $0.snapshot.copiedFrom != nil }) { $0.snapshot.copiedFrom! }
        byTime = Dictionary(grouping: snapshots) { $0.snapshot.time }
    }

    /// A target snapshot with the same content as `source`: its copy, or any snapshot of the
    /// same backup (the same time to the microsecond, host, user, paths, problems and
    /// summary): the original the source was itself copied from (a copy back), another copy
    /// of that original, or a copy made before the source snapshot was retagged (which gave
    /// it a new id). A copy that `repair snapshots` rewrote (it has lost data, so its problems
    /// differ) does not count: copying again writes the whole snapshot beside it.
    func copy(of source: StoredSnapshot) -> StoredSnapshot? {
        func faithful(_ candidate: StoredSnapshot) -> Bool { candidate.snapshot.problems == source.snapshot.problems }
        if let copy = byOrigin[source.id]?.first(where: faithful) { return copy }
        return byTime[source.snapshot.time]?.first { candidate in
            let (a, b) = (candidate.snapshot, source.snapshot)
            return a.host == b.host && a.user == b.user && a.uid == b.uid && a.gid == b.gid && a.paths == b.paths
                && a.partial == b.partial && a.problems == b.problems && a.summary == b.summary
        }
    }
}

/// A source snapshot that cannot be read whole: the copy of that snapshot fails, the others
/// go on.
struct SourceDamage: Error, CustomStringConvertible {
    let underlying: Error

    var description: String { "\(underlying)" }

    static func isDamage(_ error: Error) -> Bool { RepositoryDamage.isDamage(error) }
}
