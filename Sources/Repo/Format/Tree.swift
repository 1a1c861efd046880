/// One directory's entries, sorted by name bytes: the plaintext of a tree blob
/// (docs/format.md, "Trees").
public struct Tree: Sendable, Equatable {
    public var nodes: [Node]

    public init(nodes: [Node]) { self.nodes = nodes }

    static let magic = "RTRE"
    static let version: UInt8 = 1

    /// The encoding; entries are sorted here so the same directory always gives the same
    /// bytes, and so the same blob id.
    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: 64 + nodes.count * 128)
        writer.appendHeader(magic: Self.magic, version: Self.version)
        writer.append(varint: nodes.count)
        for node in nodes.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            node.encode(into: &writer)
        }
        return writer.bytes
    }

    /// Decodes and validates: names must be safe (no `/`, NUL, `.` or `..`) and strictly
    /// increasing, so a hostile tree cannot name a path outside the restore target or
    /// one path twice.
    static func decode(_ bytes: [UInt8], name: String) throws(FormatError) -> Tree {
        var reader = BinaryReader(bytes, context: name)
        try reader.expectHeader(magic: magic, version: version)
        let count = try reader.count(atMost: reader.remaining / 16)
        var nodes = [Node]()
        nodes.reserveCapacity(count)
        for _ in 0..<count {
            let node = try Node.decode(from: &reader)
            if let previous = nodes.last, !previous.name.lexicographicallyPrecedes(node.name) {
                throw reader.corrupt("entries not in order, or duplicated: \(node.displayName)")
            }
            nodes.append(node)
        }
        try reader.expectEnd()
        return Tree(nodes: nodes)
    }
}
