import Crypto
import Foundation
import Workers

/// What `repair snapshots` did to one snapshot.
public struct SnapshotRepairResult: Sendable {
    public let original: String
    /// The rewritten snapshot, or nil when nothing was missing.
    public let repaired: StoredSnapshot?
    /// What was lost: files whose content had missing blobs, directories whose tree was missing.
    public let lost: [String]
}

/// Rewrites snapshots that refer to missing blobs so that what remains is restorable: a
/// file with a missing content blob is removed from its directory, a directory whose tree
/// is missing becomes empty. The new snapshot carries the tag `repaired` and lists what was
/// lost as problems; it is written before the old one is removed.
public struct SnapshotRepair {
    let repository: Repository
    /// Snapshot objects that could not be read, left as they are by the last `run`: there
    /// is nothing in them to repair (`repo forget` removes one).
    public private(set) var skipped: [SnapshotListing.Damaged] = []

    public init(repository: Repository) { self.repository = repository }

    public mutating func run(dryRun: Bool) throws -> [SnapshotRepairResult] {
        let sink = dryRun ? nil : BlobSink(repository: repository, workers: 1)
        // Runs to its end on a signal: short next to a backup, and each repaired snapshot is
        // written before its old one goes.
        let reader = try sink.map { try ContentReader(repository: repository, sink: $0, cancellation: Cancellation()) }
        var repairedTrees: [Digest256: (Digest256, [String])] = [:]
        var pending: [(StoredSnapshot, Digest256?, [String])] = []
        do {
            let listing = try repository.snapshotListing()
            skipped = listing.damaged
            for stored in listing.snapshots {
                var lost: [String] = []
                let root = try repair(stored.snapshot.tree, path: FilePath("/"), lost: &lost, reader: reader, memo: &repairedTrees)
                pending.append((stored, root, lost))
            }
            // Every new tree is stored and indexed before any snapshot refers to it.
            try sink?.finish()
        } catch {
            _ = try? sink?.finish()
            throw error
        }
        var results: [SnapshotRepairResult] = []
        for (stored, root, lost) in pending {
            guard !lost.isEmpty, !dryRun, let root else {
                results.append(SnapshotRepairResult(original: stored.id, repaired: nil, lost: lost))
                continue
            }
            var snapshot = stored.snapshot
            snapshot.tree = root
            if !snapshot.tags.contains("repaired") { snapshot.tags.append("repaired") }
            snapshot.problems += lost.map { "lost in repair: \($0)" }
            snapshot.partial = true
            let saved = try repository.saveSnapshot(snapshot)
            try repository.deleteSnapshot(id: stored.id)
            results.append(SnapshotRepairResult(original: stored.id, repaired: saved, lost: lost))
        }
        return results
    }

    /// The id of the repaired tree (the same id when nothing below was missing; nil in a
    /// dry run), collecting what was lost. Each tree is repaired once (`memo`), children
    /// before their parent, in a loop over a stack of open trees rather than by recursion:
    /// a snapshot may be deeper than a thread's stack allows.
    private func repair(_ id: Digest256, path: FilePath, lost: inout [String], reader: ContentReader?,
                        memo: inout [Digest256: (Digest256, [String])]) throws -> Digest256? {
        if let (repaired, lostBelow) = memo[id] {
            lost += lostBelow
            return repaired
        }
        /// A tree being repaired: its entries, those kept so far, and what it lost so far.
        struct Frame {
            let id: Digest256
            var cursor: TreeCursor
            var kept: [Node] = []
            var lost: [String] = []
        }
        var paths = PathStack(path)
        func open(_ id: Digest256) -> Frame {
            if repository.contains(id), let loaded = try? repository.loadTree(id) {
                return Frame(id: id, cursor: TreeCursor(loaded))
            }
            return Frame(id: id, cursor: TreeCursor(nodes: []),
                         lost: ["\(paths.path) (directory tree \(id.hex.prefix(12)) missing; restored empty)"])
        }
        var stack = [open(id)]
        while true {
            let top = stack.count - 1
            guard var node = stack[top].cursor.next() else {
                let done = stack.removeLast()
                let result = done.lost.isEmpty ? done.id : try reader?.store(tree: Tree(nodes: done.kept))
                memo[done.id] = (result ?? done.id, done.lost)
                guard !stack.isEmpty else {
                    lost += done.lost
                    return result
                }
                paths.pop()
                var parent = stack[top - 1].cursor.last
                parent.subtree = result ?? done.id
                stack[top - 1].kept.append(parent)
                stack[top - 1].lost += done.lost
                continue
            }
            switch node.type {
            case .directory:
                if let subtree = node.subtree {
                    if let (repaired, lostBelow) = memo[subtree] {
                        node.subtree = repaired
                        stack[top].lost += lostBelow
                    } else {
                        // Kept once its tree is repaired, above.
                        paths.push(node.name)
                        stack.append(open(subtree))
                        continue
                    }
                }
            case .file:
                let missing = node.content.contains { piece in
                    if case .blob(let blob) = piece { return !repository.contains(blob) }
                    return false
                }
                if missing {
                    stack[top].lost.append("\(paths.child(node.name)) (content missing; file removed)")
                    continue
                }
            default:
                break
            }
            stack[top].kept.append(node)
        }
    }
}
