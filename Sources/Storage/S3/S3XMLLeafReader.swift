/// Reads the leaf elements of the plain XML that S3 answers with: elements (attributes
/// passed over), text with the five named entities and character references, CDATA,
/// comments and a leading XML declaration. A DTD, a processing instruction, a tag that
/// does not close the element open, or anything else unreadable ends the reading: the
/// leaves before it are what the document says.
///
/// Not FoundationXML's XMLParser, which the `s3-xml` fuzz target found crashing (a name
/// that is not UTF-8, `<?t?>`) and leaking on every malformed document; this reader keeps
/// nothing but the leaves, in one pass over the bytes.
struct S3XMLLeafReader {
    private let bytes: [UInt8]
    private var position = 0
    private var leaves: [S3XML.Leaf] = []
    /// The elements open, innermost last, with their numbers and whether they have a child.
    private var open: [(name: String, number: Int, hasChild: Bool)] = []
    private var started = 0
    private var text: [UInt8] = []

    static func leaves(_ bytes: [UInt8]) -> [S3XML.Leaf] {
        // S3 answers in UTF-8; what is not, is no document.
        guard String(validating: bytes, as: UTF8.self) != nil else { return [] }
        var reader = S3XMLLeafReader(bytes: bytes)
        reader.read()
        return reader.leaves
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func read() {
        if starts(with: "<?xml") {
            guard let end = find("?>") else { return }
            position = end + 2
        }
        while position < bytes.count {
            let readable: Bool
            if bytes[position] != UInt8(ascii: "<") {
                readable = readText()
            } else if starts(with: "<!--") {
                readable = skip(past: "-->")
            } else if starts(with: "<![CDATA[") {
                position += 9
                let start = position
                readable = skip(past: "]]>")
                if readable { text += bytes[start..<position - 3] }
            } else if starts(with: "</") {
                readable = readEndTag()
            } else if starts(with: "<?") || starts(with: "<!") {
                readable = false  // a processing instruction or a DTD: S3 sends neither
            } else {
                readable = readStartTag()
            }
            guard readable else { return }
        }
    }

    // MARK: Tags

    private mutating func readStartTag() -> Bool {
        position += 1
        guard let name = readName() else { return false }
        while true {
            skipWhitespace()
            if starts(with: ">") {
                position += 1
                start(name)
                return true
            }
            if starts(with: "/>") {
                position += 2
                start(name)
                end()
                return true
            }
            // An attribute: name = "value" or 'value'.
            guard readName() != nil else { return false }
            skipWhitespace()
            guard starts(with: "=") else { return false }
            position += 1
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else { return false }
            let quote = bytes[position]
            position += 1
            guard let close = bytes[position...].firstIndex(of: quote) else { return false }
            position = close + 1
        }
    }

    private mutating func readEndTag() -> Bool {
        position += 2
        guard let name = readName() else { return false }
        skipWhitespace()
        guard starts(with: ">"), open.last?.name == name else { return false }
        position += 1
        end()
        return true
    }

    private mutating func start(_ name: String) {
        if !open.isEmpty { open[open.count - 1].hasChild = true }
        started += 1
        open.append((name, started, false))
        text = []
    }

    private mutating func end() {
        let element = open.removeLast()
        if !element.hasChild {
            leaves.append(S3XML.Leaf(name: element.name, text: String(decoding: text, as: UTF8.self),
                                     parent: open.last?.name ?? "", parentNumber: open.last?.number ?? 0))
        }
        text = []
    }

    /// A tag or attribute name: the bytes up to white space or markup; nil when empty.
    private mutating func readName() -> String? {
        let start = position
        while position < bytes.count, !Self.endsName(bytes[position]) { position += 1 }
        return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
    }

    private static func endsName(_ byte: UInt8) -> Bool {
        isWhitespace(byte) || [UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "<"),
                               UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "&")].contains(byte)
    }

    // MARK: Text

    /// Text up to the next tag, its references replaced; false at an unknown reference.
    private mutating func readText() -> Bool {
        while position < bytes.count, bytes[position] != UInt8(ascii: "<") {
            guard bytes[position] == UInt8(ascii: "&") else {
                text.append(bytes[position])
                position += 1
                continue
            }
            guard let semicolon = bytes[position...].prefix(12).firstIndex(of: UInt8(ascii: ";")),
                  let scalar = Self.reference(bytes[(position + 1)..<semicolon]) else { return false }
            text += Array(String(Character(scalar)).utf8)
            position = semicolon + 1
        }
        return true
    }

    /// What `&name;` stands for: one of the five named entities or a character reference.
    private static func reference(_ name: ArraySlice<UInt8>) -> Unicode.Scalar? {
        switch String(decoding: name, as: UTF8.self) {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        case "apos": return "'"
        case let name where name.hasPrefix("#x"): return UInt32(name.dropFirst(2), radix: 16).flatMap(character)
        case let name where name.hasPrefix("#"): return UInt32(name.dropFirst(), radix: 10).flatMap(character)
        default: return nil
        }
    }

    /// A character XML allows (no NUL, no surrogate).
    private static func character(_ value: UInt32) -> Unicode.Scalar? {
        value == 0 ? nil : Unicode.Scalar(value)
    }

    // MARK: Bytes

    private func starts(with prefix: StaticString) -> Bool {
        let prefix = UnsafeRawBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        return bytes[position...].starts(with: prefix)
    }

    /// Where `marker` next starts, from the current position.
    private func find(_ marker: StaticString) -> Int? {
        let marker = Array(UnsafeRawBufferPointer(start: marker.utf8Start, count: marker.utf8CodeUnitCount))
        var index = position
        while index + marker.count <= bytes.count {
            if bytes[index] == marker[0], bytes[index..<index + marker.count].elementsEqual(marker) { return index }
            index += 1
        }
        return nil
    }

    /// Moves past the next `marker`; false when there is none.
    private mutating func skip(past marker: StaticString) -> Bool {
        guard let start = find(marker) else { return false }
        position = start + marker.utf8CodeUnitCount
        return true
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
