/// Reads one table strictly, for decoders of files such as job files: typed getters
/// record which keys were asked for, wrong types are errors at the value, and `finish()`
/// reports any key nobody asked for, so that a misspelt `pahts` is not silently ignored.
///
/// It keeps mutable state without locks and is not `Sendable`: use it from one thread,
/// as a decoder naturally does.
public final class TOMLTableReader {
    public let table: TOMLTable
    public let file: String
    /// How messages call the table: "[job.nightly]", "[[job.nightly.database]] #2",
    /// "`keep` in [job.nightly]"; empty for the document's root.
    public let name: String
    /// Every key a getter asked for, present or not, in the order first asked.
    public private(set) var readKeys: [String] = []
    private var asked: Set<String> = []

    public init(_ table: TOMLTable, file: String, name: String) {
        self.table = table
        self.file = file
        self.name = name
    }

    /// Whether the key is present; does not count as reading it.
    public func has(_ key: String) -> Bool { table[key] != nil }

    /// Nil when absent.
    public func string(_ key: String) throws -> String? {
        guard let node = read(key) else { return nil }
        guard case .string(let text) = node.value else { throw typeError(key, node, expected: "a string") }
        return text
    }

    /// Absent is an error at the table's own position.
    public func requiredString(_ key: String) throws -> String {
        guard let text = try string(key) else {
            throw TOMLError(file: file, position: table.position,
                            message: "\(name.isEmpty ? "the file" : name) needs `\(TOMLKey.format(key))`")
        }
        return text
    }

    /// Nil when absent; an integer outside `range` is an error naming the range.
    public func integer(_ key: String, in range: ClosedRange<Int64>? = nil) throws -> Int? {
        guard let node = read(key) else { return nil }
        guard case .integer(let value) = node.value else { throw typeError(key, node, expected: "an integer") }
        if let range, !range.contains(value) {
            throw TOMLError(file: file, position: node.position,
                            message: "\(subject(key)) must be between \(range.lowerBound) and "
                                + "\(range.upperBound), not \(value)")
        }
        guard let result = Int(exactly: value) else {
            throw TOMLError(file: file, position: node.position,
                            message: "\(subject(key)) is too large for this system: \(value)")
        }
        return result
    }

    public func boolean(_ key: String) throws -> Bool? {
        guard let node = read(key) else { return nil }
        guard case .boolean(let value) = node.value else { throw typeError(key, node, expected: "a boolean") }
        return value
    }

    /// Every element must be a string; a bad element is reported where it is.
    public func stringArray(_ key: String) throws -> [String]? {
        try elements(of: key, each: "a string") { _, value in
            guard case .string(let text) = value else { return nil }
            return text
        }
    }

    /// A table, inline or defined by a header; its reader is named "`KEY` in NAME", or
    /// "[KEY]" under the root (so that its `subtables()` are named "[KEY.SUB]").
    public func table(_ key: String) throws -> TOMLTableReader? {
        guard let node = read(key) else { return nil }
        guard case .table(let child) = node.value else { throw typeError(key, node, expected: "a table") }
        return TOMLTableReader(child, file: file, name: name.isEmpty ? "[\(TOMLKey.format(key))]" : subject(key))
    }

    /// An array of tables, from `[[…]]` headers or an array of inline tables. Elements
    /// are named "[[job.nightly.database]] #1" under a header-named table, "[[KEY]] #1"
    /// at the root, and "`KEY` #1 in NAME" otherwise.
    public func tables(_ key: String) throws -> [TOMLTableReader]? {
        try elements(of: key, each: "a table") { index, value in
            guard case .table(let child) = value else { return nil }
            let number = index + 1
            let childName: String
            if let path = headerPath {
                childName = "[[\(path.isEmpty ? "" : path + ".")\(TOMLKey.format(key))]] #\(number)"
            } else {
                childName = "`\(TOMLKey.format(key))` #\(number) in \(name)"
            }
            return TOMLTableReader(child, file: file, name: childName)
        }
    }

    /// The array at `key`, each element turned by `convert` (nil: not `each`, an error at
    /// that element); nil when the key is absent.
    private func elements<T>(of key: String, each: String, _ convert: (Int, TOMLValue) -> T?) throws -> [T]? {
        guard let node = read(key) else { return nil }
        guard case .array(let elements) = node.value else { throw typeError(key, node, expected: "an array of \(each.dropFirst(2))s") }
        return try elements.enumerated().map { index, element in
            guard let converted = convert(index, element.value) else {
                throw TOMLError(file: file, position: element.position,
                                message: "element \(index + 1) of \(subject(key)) must be \(each), not \(element.value.typeName)")
            }
            return converted
        }
    }

    /// Every value of this table as a table, for maps such as `[repository.NAME]`; all
    /// keys count as read. Readers are named "[repository.main]" under a header-named
    /// table, "[KEY]" at the root, and "`KEY` in NAME" otherwise.
    public func subtables() throws -> [(key: String, reader: TOMLTableReader)] {
        try table.keys.compactMap { key in
            guard let node = read(key) else { return nil }
            guard case .table(let child) = node.value else { throw typeError(key, node, expected: "a table") }
            let childName: String
            if let path = headerPath {
                childName = "[\(path.isEmpty ? "" : path + ".")\(TOMLKey.format(key))]"
            } else {
                childName = subject(key)
            }
            return (key, TOMLTableReader(child, file: file, name: childName))
        }
    }

    /// An error at the key's position, or at the table's when `key` is nil or absent.
    public func error(_ message: String, at key: String?) -> TOMLError {
        let position = key.flatMap { table[$0]?.keyPosition } ?? table.position
        return TOMLError(file: file, position: position, message: message)
    }

    /// Fails on the first key (in file order) that no getter asked for.
    public func finish() throws {
        guard let unknown = table.keys.first(where: { !asked.contains($0) }) else { return }
        let expected = readKeys.isEmpty ? "it takes no keys"
            : "expected one of: " + readKeys.map(TOMLKey.format).joined(separator: ", ")
        throw error("unknown key `\(TOMLKey.format(unknown))` \(location); \(expected)", at: unknown)
    }

    // MARK: Helpers

    private func read(_ key: String) -> TOMLNode? {
        if asked.insert(key).inserted { readKeys.append(key) }
        return table[key]
    }

    private var location: String { name.isEmpty ? "at the top level" : "in \(name)" }

    /// "`paths` in [job.nightly]".
    private func subject(_ key: String) -> String { "`\(TOMLKey.format(key))` \(location)" }

    private func typeError(_ key: String, _ node: TOMLNode, expected: String) -> TOMLError {
        TOMLError(file: file, position: node.position,
                  message: "\(subject(key)) must be \(expected), not \(node.value.typeName)")
    }

    /// The dotted key inside a name of the form "[a.b]", "" for the root, nil otherwise.
    private var headerPath: String? {
        if name.isEmpty { return "" }
        guard name.hasPrefix("["), !name.hasPrefix("[["), name.hasSuffix("]") else { return nil }
        return String(name.dropFirst().dropLast())
    }
}
