import Crypto
import Foundation
import Posix
import Storage

/// Reads snapshots as trees of entries: walking, finding a path, comparing two snapshots,
/// writing a file's content out.
public struct SnapshotBrowser {
    let repository: Repository

    public init(repository: Repository) { self.repository = repository }

    /// Calls `visit` with every entry under `tree` (depth first, sorted), with its absolute
    /// path in the snapshot. A loop over a stack of open trees, not recursion: a snapshot may
    /// be deeper than a thread's stack allows.
    public func walk(_ tree: Digest256, path: FilePath = FilePath("/"), _ visit: (FilePath, Node) throws -> Void) throws {
        var paths = PathStack(path)
        var stack = [TreeCursor(try repository.loadTree(tree))]
        while !stack.isEmpty {
            guard let node = stack[stack.count - 1].next() else {
                stack.removeLast()
                if !stack.isEmpty { paths.pop() }
                continue
            }
            try visit(paths.child(node.name), node)
            if node.type == .directory, let subtree = node.subtree {
                let below = try repository.loadTree(subtree)
                paths.push(node.name)
                stack.append(TreeCursor(below))
            }
        }
    }

    /// The entry at an absolute path (`/srv/app/x`) in a snapshot.
    public func node(at path: String, in snapshot: Snapshot) throws -> Node? {
        var tree = snapshot.tree
        let components = path.split(separator: "/").map { Array($0.utf8) }
        for (index, component) in components.enumerated() {
            guard let node = try repository.loadTree(tree).nodes.first(where: { $0.name == component }) else { return nil }
            if index == components.count - 1 { return node }
            guard node.type == .directory, let subtree = node.subtree else { return nil }
            tree = subtree
        }
        return nil
    }

    /// Writes a file's content to `fd` (holes as zeros), returning the bytes written.
    @discardableResult
    public func dump(_ node: Node, to fd: Int32) throws -> UInt64 {
        let reader = BlobReader(store: repository.blobs)
        var written: UInt64 = 0
        func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
            do throws(Errno) {
                try FileDescriptor(rawValue: fd).writeAll(bytes)
            } catch {
                throw BackendError(error, "write", "standard output")
            }
            written += UInt64(bytes.count)
        }
        let zeros = [UInt8](repeating: 0, count: 1 << 16)
        try reader.forEachPiece(of: node, blob: { bytes in
            try bytes.withUnsafeBytes { try writeAll($0) }
        }, hole: { length in
            var left = length
            while left > 0 {
                let step = Int(min(left, UInt64(zeros.count)))
                try zeros.withUnsafeBytes { try writeAll(UnsafeRawBufferPointer(rebasing: $0[..<step])) }
                left -= UInt64(step)
            }
        })
        return written
    }

    /// One difference between two snapshots.
    public struct Change: Sendable {
        public enum Kind: String, Sendable { case added = "+", removed = "-", modified = "M", metadata = "U" }
        public let kind: Kind
        public let path: FilePath
        public let node: Node
    }

    /// What changed from `a` to `b`: added, removed, modified content, changed metadata.
    /// Subtrees with the same id are identical and skipped without being read. A loop over a
    /// stack of tree pairs, not recursion, as `walk` is.
    public func diff(_ a: Digest256, _ b: Digest256, path: FilePath = FilePath("/"), _ report: (Change) throws -> Void) throws {
        guard a != b else { return }
        /// A pair of trees being merged: the next entry of each.
        struct Pair {
            let left: [Node], right: [Node]
            var i = 0, j = 0
        }
        var paths = PathStack(path)
        var stack = [Pair(left: try repository.loadTree(a).nodes, right: try repository.loadTree(b).nodes)]
        while let pair = stack.last {
            let top = stack.count - 1
            let (left, right, i, j) = (pair.left, pair.right, pair.i, pair.j)
            guard i < left.count || j < right.count else {
                stack.removeLast()
                if !stack.isEmpty { paths.pop() }
                continue
            }
            let path = paths.path
            if j == right.count || (i < left.count && left[i].name.lexicographicallyPrecedes(right[j].name)) {
                try removedOrAdded(left[i], .removed, path, report)
                stack[top].i += 1
            } else if i == left.count || right[j].name.lexicographicallyPrecedes(left[i].name) {
                try removedOrAdded(right[j], .added, path, report)
                stack[top].j += 1
            } else {
                let old = left[i], new = right[j]
                let childPath = path.appending(new.name)
                stack[top].i += 1
                stack[top].j += 1
                if old.type != new.type {
                    try removedOrAdded(old, .removed, path, report)
                    try removedOrAdded(new, .added, path, report)
                } else if old.type == .directory, let x = old.subtree, let y = new.subtree {
                    if old.metadata != new.metadata && !Self.sameIgnoringTimes(old, new) {
                        try report(Change(kind: .metadata, path: childPath, node: new))
                    }
                    if x != y {
                        let below = Pair(left: try repository.loadTree(x).nodes, right: try repository.loadTree(y).nodes)
                        paths.push(new.name)
                        stack.append(below)
                    }
                } else if old.content != new.content || old.linkTarget != new.linkTarget {
                    try report(Change(kind: .modified, path: childPath, node: new))
                } else if !Self.sameIgnoringTimes(old, new) || old.mtime != new.mtime {
                    try report(Change(kind: .metadata, path: childPath, node: new))
                }
            }
        }
    }

    private func removedOrAdded(_ node: Node, _ kind: Change.Kind, _ path: FilePath, _ report: (Change) throws -> Void) throws {
        let childPath = path.appending(node.name)
        try report(Change(kind: kind, path: childPath, node: node))
        if node.type == .directory, let subtree = node.subtree {
            try walk(subtree, path: childPath) { try report(Change(kind: kind, path: $0, node: $1)) }
        }
    }

    /// Same mode, owner and attributes (a directory's mtime changes with its entries).
    private static func sameIgnoringTimes(_ a: Node, _ b: Node) -> Bool {
        a.mode == b.mode && a.uid == b.uid && a.gid == b.gid && a.xattrs == b.xattrs
    }
}
