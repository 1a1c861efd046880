/// A finished, immutable TOML table: its keys in the order they were first defined (so
/// that messages and listings follow the file) and the value of each.
public struct TOMLTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var entries: [String: TOMLNode] = [:]
    /// Where the table's header or inline `{` starts; 1:1 for the root table.
    public let position: TOMLPosition

    public init(position: TOMLPosition = .start) {
        self.position = position
    }

    public subscript(key: String) -> TOMLNode? { entries[key] }

    public var isEmpty: Bool { keys.isEmpty }

    /// Adds a key, or replaces its value keeping its place in `keys`. The parser checks
    /// for duplicates before it gets here; building tables by hand may overwrite.
    public mutating func set(_ key: String, _ node: TOMLNode) {
        if entries.updateValue(node, forKey: key) == nil { keys.append(key) }
    }
}
