/// A tree's entries and how far a walk has got through them: one level of the explicit stack
/// that the walks over snapshots keep instead of recursing (a snapshot may be deeper than a
/// thread's stack allows).
struct TreeCursor {
    private(set) var nodes: [Node]
    /// The position of the entry `next()` returns.
    private(set) var position = 0

    init(_ tree: Tree) { nodes = tree.nodes }

    init(nodes: [Node]) { self.nodes = nodes }

    /// The next entry, or nil when all were returned.
    mutating func next() -> Node? {
        guard position < nodes.count else { return nil }
        defer { position += 1 }
        return nodes[position]
    }

    /// The entry `next()` returned last.
    var last: Node {
        get { nodes[position - 1] }
        set { nodes[position - 1] = newValue }
    }
}
