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
    /// dry run), collecting what was lost.
    private func repair(_ id: Digest256, path: FilePath, lost: inout [String], reader: ContentReader?,
                        memo: inout [Digest256: (Digest256, [String])]) throws -> Digest256? {
        if let (repaired, lostBelow) = memo[id] {
            lost += lostBelow
            return repaired
        }
        var lostHere: [String] = []
        var nodes: [Node] = []
        let tree: Tree
        if repository.contains(id), let loaded = try? repository.loadTree(id) {
            tree = loaded
        } else {
            lostHere.append("\(path) (directory tree \(id.hex.prefix(12)) missing; restored empty)")
            tree = Tree(nodes: [])
        }
        for var node in tree.nodes {
            let childPath = path.appending(node.name)
            switch node.type {
            case .directory:
                if let subtree = node.subtree {
                    node.subtree = try repair(subtree, path: childPath, lost: &lostHere, reader: reader, memo: &memo) ?? subtree
                }
            case .file:
                let missing = node.content.contains { piece in
                    if case .blob(let blob) = piece { return !repository.contains(blob) }
                    return false
                }
                if missing {
                    lostHere.append("\(childPath) (content missing; file removed)")
                    continue
                }
            default:
                break
            }
            nodes.append(node)
        }
        let result: Digest256?
        if lostHere.isEmpty {
            result = id
        } else {
            result = try reader?.store(tree: Tree(nodes: nodes))
        }
        memo[id] = (result ?? id, lostHere)
        lost += lostHere
        return result
    }
}
