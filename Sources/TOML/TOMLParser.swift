/// Reads the structure of a document: lines, headers, keys and key/value pairs. Values
/// are read by the extensions in `TOMLValueParsing.swift` and `TOMLStringParsing.swift`;
/// which table a header or key lands in is decided by `TOMLDefinitionRules`.
struct TOMLParser {
    var scanner: TOMLScanner
    let rules: TOMLDefinitionRules

    /// Longest dotted key accepted; deeper ones are rejected as nesting anyway.
    static let maximumKeyParts = TOMLTableBuilder.maximumDepth

    init(_ text: String, file: String) {
        scanner = TOMLScanner(text, file: file)
        rules = TOMLDefinitionRules(file: file)
    }

    mutating func parseDocument() throws -> TOMLTable {
        let root = TOMLTableBuilder(origin: .root, position: .start, keyPosition: .start, depth: 0)
        var current = root
        while true {
            scanner.skipSpaces()
            if scanner.atEnd { break }
            if scanner.skipNewline() { continue }
            if scanner.peek() == "#" {
                try scanner.finishLine(after: "a comment")
            } else if scanner.peek() == "[" {
                current = try parseHeader(root: root)
                try scanner.finishLine(after: "the table header")
            } else {
                try parseKeyValue(into: current)
                try scanner.finishLine(after: "the value")
            }
        }
        return root.build()
    }

    /// `[a.b]` or `[[a.b]]`; returns the table the following key/value pairs go to.
    private mutating func parseHeader(root: TOMLTableBuilder) throws -> TOMLTableBuilder {
        let header = scanner.position
        scanner.advance()
        let isArray = scanner.peek() == "["
        if isArray { scanner.advance() }
        scanner.skipSpaces()
        let path = try parseKey()
        scanner.skipSpaces()
        if isArray {
            guard scanner.looksAt("]]") else {
                // With one `]` present, what is missing is the second one, after it.
                let what = scanner.peek() == "]" ? "a second `]`" : "`]]`"
                if scanner.peek() == "]" { scanner.advance() }
                throw scanner.error("expected \(what) to close the array-of-tables header, "
                                    + "found \(scanner.describeHere())")
            }
            scanner.advance(2)
            return try rules.appendElement(path, in: root, header: header)
        }
        guard scanner.peek() == "]" else {
            throw scanner.error("expected `]` to close the table header, found \(scanner.describeHere())")
        }
        scanner.advance()
        return try rules.openTable(path, in: root, header: header)
    }

    /// `key = value`, at top level or inside an inline table.
    mutating func parseKeyValue(into table: TOMLTableBuilder) throws {
        let path = try parseKey()
        scanner.skipSpaces()
        guard scanner.peek() == "=" else {
            throw scanner.error("expected `=` after key `\(TOMLDefinitionRules.format(path))`, "
                                + "found \(scanner.describeHere())")
        }
        scanner.advance()
        scanner.skipSpaces()
        if scanner.atEnd || scanner.atNewline || scanner.peek() == "#" {
            throw scanner.error("expected a value after `=`, found \(scanner.describeHere())")
        }
        let position = scanner.position
        let value = try parseValue(depth: table.depth + path.count)
        let keyPosition = path.last?.position ?? position
        try rules.assign(TOMLNode(value: value, position: position, keyPosition: keyPosition),
                         to: path, in: table)
    }

    /// A possibly dotted key; leaves the cursor after its last part.
    mutating func parseKey() throws -> [TOMLKeySegment] {
        var path = [try parseSimpleKey()]
        while true {
            scanner.skipSpaces()
            guard scanner.peek() == "." else { return path }
            scanner.advance()
            scanner.skipSpaces()
            path.append(try parseSimpleKey())
            if path.count > Self.maximumKeyParts {
                throw scanner.error("a key may have at most \(Self.maximumKeyParts) dotted parts")
            }
        }
    }

    private mutating func parseSimpleKey() throws -> TOMLKeySegment {
        let position = scanner.position
        switch scanner.peek() {
        case "\"":
            if scanner.looksAt("\"\"\"") { throw scanner.error("a multi-line string cannot be a key") }
            return TOMLKeySegment(name: try parseBasicString(), position: position)
        case "'":
            if scanner.looksAt("'''") { throw scanner.error("a multi-line string cannot be a key") }
            return TOMLKeySegment(name: try parseLiteralString(), position: position)
        case let s? where TOMLScanner.isBareKeyScalar(s):
            let start = scanner.index
            while let s = scanner.peek(), TOMLScanner.isBareKeyScalar(s) { scanner.advance() }
            return TOMLKeySegment(name: scanner.text(from: start), position: position)
        default:
            throw scanner.error("expected a key, found \(scanner.describeHere())")
        }
    }
}
