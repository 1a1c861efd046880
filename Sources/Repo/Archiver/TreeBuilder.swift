import Crypto
import Foundation

/// Assembles tree blobs as the walk goes: one frame per open directory, finished into a
/// tree blob when the walk leaves it; the directories above the backed-up paths (up to
/// `/`) are built last. Also finds each entry's counterpart in the parent snapshot.
struct TreeBuilder {
    private struct Frame {
        let metadata: FileMetadata
        var nodes: [Node] = []
        /// The same directory's entries in the parent snapshot, in name order (as their tree
        /// holds them): found by binary search, which hashes no name and builds no table.
        let previous: [Node]
        /// The same directory's tree in the parent snapshot.
        let previousTree: Digest256?
        /// Whether every entry added so far is its parent counterpart, unchanged.
        var unchanged = true
    }

    /// A directory above the backed-up paths: its real metadata, and what was put in it.
    private final class Ancestor {
        var children: [[UInt8]: Ancestor] = [:]
        var nodes: [Node] = []
    }

    private struct HardLink: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    private let repository: Repository
    private let reader: ContentReader
    private let parentRoot: Digest256?
    private var stack: [Frame] = []
    private let top = Ancestor()
    /// Set when `/` itself was backed up: its tree is the snapshot's root.
    private var rootTree: Digest256?
    private var hardLinks: [HardLink: [ContentPiece]] = [:]
    private var parentTrees: [Digest256: Tree] = [:]
    private let openers = PackOpeners()

    init(repository: Repository, reader: ContentReader, parent: Digest256?, ignoreParent: Bool) throws {
        self.repository = repository
        self.reader = reader
        self.parentRoot = ignoreParent ? nil : parent
    }

    mutating func enter(_ path: FilePath, _ metadata: FileMetadata) throws {
        var previous: [Node] = []
        var previousTree: Digest256?
        if let node = parentNode(for: path), node.type == .directory, let subtree = node.subtree,
           let tree = try? loadParentTree(subtree) {
            previous = tree.nodes
            previousTree = subtree
        }
        stack.append(Frame(metadata: metadata, previous: previous, previousTree: previousTree))
    }

    mutating func leave(_ path: FilePath) throws {
        let frame = stack.removeLast()
        var node = Node(name: path.name, metadata: frame.metadata)
        node.subtree = try reusedTree(frame) ?? reader.store(tree: Tree(nodes: frame.nodes))
        try add(node, at: path)
    }

    /// The parent's tree of a directory none of whose entries changed, none added and none
    /// gone: it is the tree encoding them would give, so it need not be encoded, named and
    /// claimed again. Only while the index still lists it (its pack may have gone missing:
    /// then it is stored again).
    private func reusedTree(_ frame: Frame) -> Digest256? {
        guard frame.unchanged, frame.nodes.count == frame.previous.count, let tree = frame.previousTree,
              repository.contains(tree) else { return nil }
        return tree
    }

    mutating func add(_ node: Node, at path: FilePath) throws {
        if !stack.isEmpty {
            let top = stack.count - 1
            if stack[top].unchanged {
                // Compared where it lies: a copy of a node retains each of its arrays.
                let index = Self.index(named: node.name, in: stack[top].previous)
                if index.map({ stack[top].previous[$0] != node }) ?? true { stack[top].unchanged = false }
            }
            stack[top].nodes.append(node)
            return
        }
        let components = Self.components(of: path)
        guard let last = components.last else {
            rootTree = node.subtree
            return
        }
        var directory = top
        for component in components.dropLast() {
            if let child = directory.children[component] {
                directory = child
            } else {
                let child = Ancestor()
                directory.children[component] = child
                directory = child
            }
        }
        directory.nodes.removeAll { $0.name == last }
        directory.nodes.append(node)
    }

    /// Stores the directories above the backed-up paths and returns the root tree's id.
    mutating func finishRoot() throws -> Digest256 {
        if let rootTree { return rootTree }
        return try store(top, path: [])
    }

    /// Stores `directory` and the ancestors below it, children before parents, in a loop
    /// over a stack rather than by recursion.
    private mutating func store(_ directory: Ancestor, path: [[UInt8]]) throws -> Digest256 {
        /// A directory whose children are being stored: the ones left, by name.
        struct Pending {
            let directory: Ancestor
            let path: [[UInt8]]
            var nodes: [Node]
            var children: [([UInt8], Ancestor)]
        }
        func pending(_ directory: Ancestor, _ path: [[UInt8]]) -> Pending {
            Pending(directory: directory, path: path, nodes: directory.nodes,
                    children: directory.children.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }).reversed())
        }
        var stack = [pending(directory, path)]
        while true {
            let top = stack.count - 1
            if let (name, child) = stack[top].children.popLast() {
                stack.append(pending(child, stack[top].path + [name]))
                continue
            }
            let done = stack.removeLast()
            let id = try reader.store(tree: Tree(nodes: done.nodes))
            guard let name = done.path.last, !stack.isEmpty else { return id }
            let real = FilePath(bytes: [UInt8(ascii: "/")] + Array(done.path.joined(separator: [UInt8(ascii: "/")])))
            let metadata = (try? MetadataReader().metadata(atPath: real)) ?? Self.syntheticDirectory
            var node = Node(name: name, metadata: metadata)
            node.type = .directory
            node.subtree = id
            stack[top - 1].nodes.removeAll { $0.name == name }
            stack[top - 1].nodes.append(node)
        }
    }

    /// The attributes of the entry at `path` in the parent snapshot when its status says it
    /// is unchanged (type, size, mtime, ctime and inode equal: setting or removing an
    /// attribute changes the ctime); nil when they must be read.
    func unchangedAttributes(at path: FilePath, _ metadata: FileMetadata) -> [ExtendedAttribute]? {
        guard let nodes = stack.last?.previous else { return nil }
        guard let index = Self.index(named: path.name, in: nodes), nodes[index].type == metadata.type,
              nodes[index].size == metadata.size, nodes[index].mtime == metadata.mtime,
              nodes[index].ctime == metadata.ctime, nodes[index].inode == metadata.inode
        else { return nil }
        return nodes[index].xattrs
    }

    /// The entry at `path` in the parent snapshot, if it had one.
    func parentNode(for path: FilePath) -> Node? {
        if let frame = stack.last { return Self.index(named: path.name, in: frame.previous).map { frame.previous[$0] } }
        guard var tree = parentRoot.flatMap({ try? loadParentTreeConst($0) }) else { return nil }
        let components = Self.components(of: path)
        for (index, component) in components.enumerated() {
            guard let node = tree.nodes.first(where: { $0.name == component }) else { return nil }
            if index == components.count - 1 { return node }
            guard let subtree = node.subtree, let next = try? loadParentTreeConst(subtree) else { return nil }
            tree = next
        }
        return nil
    }

    func hardLinkContent(device: UInt64, inode: UInt64) -> [ContentPiece]? {
        hardLinks[HardLink(device: device, inode: inode)]
    }

    mutating func rememberHardLink(device: UInt64, inode: UInt64, content: [ContentPiece]) {
        hardLinks[HardLink(device: device, inode: inode)] = content
    }

    private mutating func loadParentTree(_ id: Digest256) throws -> Tree {
        if let tree = parentTrees[id] { return tree }
        let tree = try repository.loadTree(id, openers: openers)
        // Only the trees along the current path are needed again; keep the cache small.
        if parentTrees.count > 64 { parentTrees.removeAll() }
        parentTrees[id] = tree
        return tree
    }

    private func loadParentTreeConst(_ id: Digest256) throws -> Tree {
        try parentTrees[id] ?? repository.loadTree(id)
    }

    /// Where the node called `name` is in `nodes`, which are sorted by name bytes
    /// (`Tree.decode` checks it).
    private static func index(named name: [UInt8], in nodes: [Node]) -> Int? {
        var low = 0, high = nodes.count
        while low < high {
            let middle = (low + high) / 2
            let order = compare(nodes[middle].name, name)
            if order == 0 { return middle }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// Bytewise order of two names (memcmp, then length), as `lexicographicallyPrecedes`.
    private static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        let length = min(a.count, b.count)
        if length > 0 {
            let common = a.withUnsafeBytes { a in b.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, length) } }
            if common != 0 { return Int(common) }
        }
        return a.count - b.count
    }

    private static func components(of path: FilePath) -> [[UInt8]] {
        path.bytes.split(separator: UInt8(ascii: "/")).map(Array.init)
    }

    private static let syntheticDirectory = FileMetadata(type: .directory, mode: 0o755, uid: 0, gid: 0,
                                                         mtime: Timestamp(seconds: 0, nanoseconds: 0),
                                                         ctime: Timestamp(seconds: 0, nanoseconds: 0), size: 0)
}
