/// The text being parsed as an array of Unicode scalars with a cursor, plus the
/// line and column of every scalar.
///
/// Scalars rather than `Character`s: TOML's grammar is defined on code points, and a
/// combining mark right after a quote must not swallow the quote into one `Character`.
/// Positions are computed once up front so that reporting one is O(1), however many
/// nodes record theirs.
struct TOMLScanner {
    let file: String
    private let scalars: [Unicode.Scalar]
    /// One entry per scalar plus one for the end of the text.
    private let lines: [Int]
    private let columns: [Int]
    private(set) var index = 0

    init(_ text: String, file: String) {
        self.file = file
        var scalars: [Unicode.Scalar] = []
        var lines: [Int] = []
        var columns: [Int] = []
        var line = 1
        var column = 1
        for character in text {
            for scalar in character.unicodeScalars {
                scalars.append(scalar)
                lines.append(line)
                columns.append(column)
            }
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        lines.append(line)
        columns.append(column)
        self.scalars = scalars
        self.lines = lines
        self.columns = columns
        // Editors on some systems write a byte-order mark; it is not part of the document.
        if scalars.first == "\u{FEFF}" { index = 1 }
    }

    var atEnd: Bool { index >= scalars.count }

    /// The scalar `offset` places after the cursor, or nil past the end.
    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let i = index + offset
        return i >= 0 && i < scalars.count ? scalars[i] : nil
    }

    func scalar(at i: Int) -> Unicode.Scalar? { i >= 0 && i < scalars.count ? scalars[i] : nil }

    mutating func advance(_ count: Int = 1) { index = min(index + count, scalars.count) }

    /// Whether the text at the cursor is exactly `literal`.
    func looksAt(_ literal: String) -> Bool {
        var offset = 0
        for scalar in literal.unicodeScalars {
            guard peek(offset) == scalar else { return false }
            offset += 1
        }
        return true
    }

    func position(of i: Int) -> TOMLPosition {
        let clamped = max(0, min(i, scalars.count))
        return TOMLPosition(line: lines[clamped], column: columns[clamped])
    }

    var position: TOMLPosition { position(of: index) }

    func error(_ message: String, at i: Int) -> TOMLError {
        TOMLError(file: file, position: position(of: i), message: message)
    }

    func error(_ message: String) -> TOMLError { error(message, at: index) }

    /// The scalars from `start` up to the cursor, as a string.
    func text(from start: Int) -> String {
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[max(0, min(start, index))..<index])
        return String(result)
    }

    // MARK: Whitespace, newlines, comments

    mutating func skipSpaces() {
        while let s = peek(), s == " " || s == "\t" { advance() }
    }

    /// A newline is LF or CRLF; a lone CR is not one.
    var atNewline: Bool { peek() == "\n" || (peek() == "\r" && peek(1) == "\n") }

    mutating func skipNewline() -> Bool {
        if peek() == "\n" { advance(); return true }
        if peek() == "\r" && peek(1) == "\n" { advance(2); return true }
        return false
    }

    /// Skips a comment if one starts at the cursor, leaving the cursor on its newline.
    mutating func skipComment() throws {
        guard peek() == "#" else { return }
        advance()
        while let s = peek(), !atNewline {
            if Self.isForbiddenControl(s) {
                throw error("\(Self.describe(s)) is not allowed in a comment")
            }
            advance()
        }
    }

    /// After a value, header or comment: only spaces and a comment may follow before the
    /// newline or the end of the text.
    mutating func finishLine(after what: String) throws {
        skipSpaces()
        try skipComment()
        if atEnd || skipNewline() { return }
        throw error("expected end of line after \(what), found \(describeHere())")
    }

    /// Inside arrays, where newlines and comments may appear between elements.
    mutating func skipBlank() throws {
        while true {
            skipSpaces()
            try skipComment()
            if !skipNewline() { return }
        }
    }

    // MARK: Classes of scalars

    static func isBareKeyScalar(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
        default: return false
        }
    }

    static func isDigit(_ s: Unicode.Scalar?) -> Bool {
        guard let s else { return false }
        return s >= "0" && s <= "9"
    }

    /// Control characters TOML forbids in strings and comments: all but tab.
    static func isForbiddenControl(_ s: Unicode.Scalar) -> Bool {
        (s.value < 0x20 && s != "\t") || s.value == 0x7F
    }

    // MARK: Describing what was found, for messages

    static func describe(_ s: Unicode.Scalar) -> String {
        if s.value < 0x20 || s.value == 0x7F || s == "\u{FEFF}" {
            return "control character U+" + hex(s.value, width: 4)
        }
        return "`\(Character(s))`"
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// "end of file", "end of line", or the token at `i` in backticks.
    func describe(at i: Int) -> String {
        guard let s = scalar(at: i) else { return "end of file" }
        if s == "\n" || (s == "\r" && scalar(at: i + 1) == "\n") { return "end of line" }
        guard Self.isBareKeyScalar(s) || s == "+" || s == "." else { return Self.describe(s) }
        // A whole word reads better than its first letter: "found `yes`".
        var end = i
        while end - i < 40, let t = scalar(at: end),
              Self.isBareKeyScalar(t) || t == "+" || t == "." || t == ":" {
            end += 1
        }
        var word = String.UnicodeScalarView()
        word.append(contentsOf: scalars[i..<end])
        return "`\(String(word))`"
    }

    func describeHere() -> String { describe(at: index) }
}
