/// A table while its document is still being read.
///
/// Unlike the finished `TOMLTable` it is mutable and shared by reference (a header may
/// reopen a table created many lines earlier), and it remembers how it came to exist,
/// which decides whether a later header or dotted key may add to it (see
/// `TOMLDefinitionRules.swift`).
final class TOMLTableBuilder {
    enum Origin {
        /// The document itself.
        case root
        /// Named only as a prefix of a header (`a` in `[a.b]`); a later `[a]` may define it.
        case implicit
        /// Defined by its own `[header]` or as an element of `[[header]]`.
        case header
        /// Created by a dotted key (`a` in `a.b = 1`); only more dotted keys may add to it.
        case dotted
        /// The `{ }` of an inline table, which is sealed once its closing brace is read.
        case inline
    }

    enum Entry {
        /// A value that can no longer change: scalars, arrays, finished inline tables.
        case value(TOMLNode)
        case table(TOMLTableBuilder)
        /// Made by `[[header]]`s; later headers and sub-tables go to the last element.
        case tableArray(ArrayOfTables)
    }

    final class ArrayOfTables {
        var elements: [TOMLTableBuilder]
        /// Of the first `[[header]]`.
        let position: TOMLPosition
        let keyPosition: TOMLPosition

        init(first: TOMLTableBuilder, position: TOMLPosition, keyPosition: TOMLPosition) {
            elements = [first]
            self.position = position
            self.keyPosition = keyPosition
        }
    }

    var origin: Origin
    /// Where its header, brace or first dotted-key part starts.
    var position: TOMLPosition
    var keyPosition: TOMLPosition
    /// How many tables enclose it; bounded so that a hostile file cannot make the
    /// recursive value reader, `build()` or the finished value's `==` exhaust the stack.
    let depth: Int
    private(set) var keys: [String] = []
    private var entries: [String: Entry] = [:]

    /// Job files nest about five deep. 64 levels of inline tables fit a 512 KiB thread
    /// stack even in a debug build (100 did not); see `TOMLNestingTests`.
    static let maximumDepth = 64

    init(origin: Origin, position: TOMLPosition, keyPosition: TOMLPosition, depth: Int) {
        self.origin = origin
        self.position = position
        self.keyPosition = keyPosition
        self.depth = depth
    }

    subscript(key: String) -> Entry? { entries[key] }

    /// Callers have checked that `key` is new.
    func add(_ key: String, _ entry: Entry) {
        if entries.updateValue(entry, forKey: key) == nil { keys.append(key) }
    }

    func build() -> TOMLTable {
        var table = TOMLTable(position: position)
        for key in keys {
            guard let entry = entries[key] else { continue }
            switch entry {
            case .value(let node):
                table.set(key, node)
            case .table(let child):
                table.set(key, TOMLNode(value: .table(child.build()), position: child.position,
                                        keyPosition: child.keyPosition))
            case .tableArray(let array):
                let elements = array.elements.map {
                    TOMLNode(element: .table($0.build()), at: $0.position)
                }
                table.set(key, TOMLNode(value: .array(elements), position: array.position,
                                        keyPosition: array.keyPosition))
            }
        }
        return table
    }
}

extension TOMLTableBuilder.Entry {
    /// Where the entry was first defined, for "first defined at" in messages.
    var definedAt: TOMLPosition {
        switch self {
        case .value(let node): return node.keyPosition
        case .table(let table): return table.position
        case .tableArray(let array): return array.position
        }
    }

    /// "a string", "a table", "an array of tables", … for messages.
    var typeName: String {
        switch self {
        case .value(let node):
            if case .table = node.value { return "an inline table" }
            return node.value.typeName
        case .table: return "a table"
        case .tableArray: return "an array of tables"
        }
    }
}
