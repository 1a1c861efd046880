/// The four kinds of strings: basic `"…"` (with escapes), literal `'…'` (taken as
/// written), and their multi-line forms `"""…"""` and `'''…'''`.
extension TOMLParser {
    /// `"…"` at the cursor; also used for quoted keys.
    mutating func parseBasicString() throws -> String {
        let open = scanner.index
        scanner.advance()
        var text = String.UnicodeScalarView()
        while true {
            guard let s = scanner.peek() else { throw unterminated(open, "\"", before: "the end of the file") }
            if scanner.atNewline { throw unterminated(open, "\"", before: "the end of the line") }
            if s == "\"" {
                scanner.advance()
                return String(text)
            }
            if s == "\\" {
                text.append(try parseEscape())
            } else {
                try checkAllowed(s)
                text.append(s)
                scanner.advance()
            }
        }
    }

    /// `'…'` at the cursor; also used for quoted keys.
    mutating func parseLiteralString() throws -> String {
        let open = scanner.index
        scanner.advance()
        var text = String.UnicodeScalarView()
        while true {
            guard let s = scanner.peek() else { throw unterminated(open, "'", before: "the end of the file") }
            if scanner.atNewline { throw unterminated(open, "'", before: "the end of the line") }
            if s == "'" {
                scanner.advance()
                return String(text)
            }
            try checkAllowed(s)
            text.append(s)
            scanner.advance()
        }
    }

    /// `"""…"""`: a newline right after the opening quotes is dropped, and a backslash at
    /// the end of a line joins it to the next non-blank text.
    mutating func parseMultilineBasicString() throws -> String {
        try parseMultiline(quote: "\"") { parser, text in
            guard parser.scanner.peek() == "\\" else { return false }
            var offset = 1
            while let s = parser.scanner.peek(offset), s == " " || s == "\t" { offset += 1 }
            let newlineFollows = parser.scanner.peek(offset) == "\n"
                || (parser.scanner.peek(offset) == "\r" && parser.scanner.peek(offset + 1) == "\n")
            if newlineFollows {
                parser.scanner.advance(offset)
                while true {
                    parser.scanner.skipSpaces()
                    if !parser.scanner.skipNewline() { break }
                }
            } else {
                text.append(try parser.parseEscape())
            }
            return true
        }
    }

    /// `'''…'''`: taken as written, except that a newline right after the opening quotes
    /// is dropped.
    mutating func parseMultilineLiteralString() throws -> String {
        try parseMultiline(quote: "'") { _, _ in false }
    }

    /// The shared shape of multi-line strings. `special` handles escapes, when the kind
    /// has them: it returns whether it consumed something at the cursor.
    private mutating func parseMultiline(
        quote: Unicode.Scalar,
        special: (inout TOMLParser, inout String.UnicodeScalarView) throws -> Bool
    ) throws -> String {
        let open = scanner.index
        let delimiter = String(repeating: Character(quote), count: 3)
        scanner.advance(3)
        _ = scanner.skipNewline()
        var text = String.UnicodeScalarView()
        while true {
            guard let s = scanner.peek() else {
                throw scanner.error("unterminated multi-line string: expected `\(delimiter)` to close it, "
                                    + "found end of file", at: open)
            }
            if s == quote {
                // Up to two quotes may directly precede the closing three.
                var run = 0
                while scanner.peek(run) == quote { run += 1 }
                if run >= 3 {
                    let kept = min(run, 5) - 3
                    for _ in 0..<kept { text.append(quote) }
                    scanner.advance(kept + 3)
                    return String(text)
                }
                for _ in 0..<run { text.append(quote) }
                scanner.advance(run)
            } else if try special(&self, &text) {
                continue
            } else if scanner.skipNewline() {
                // CRLF is kept as LF: job files read the same whichever editor wrote them.
                text.append("\n")
            } else {
                try checkAllowed(s)
                text.append(s)
                scanner.advance()
            }
        }
    }

    /// An escape sequence at the cursor (on its backslash).
    private mutating func parseEscape() throws -> Unicode.Scalar {
        let start = scanner.index
        scanner.advance()
        guard let s = scanner.peek() else {
            throw scanner.error("invalid escape: `\\` at the end of the file", at: start)
        }
        if let replacement = Self.simpleEscapes[s] {
            scanner.advance()
            return replacement
        }
        guard s == "u" || s == "U" else {
            if scanner.atNewline || TOMLScanner.isForbiddenControl(s) || s == " " {
                throw scanner.error("invalid escape: `\\` followed by \(scanner.describeHere())", at: start)
            }
            throw scanner.error("invalid escape `\\\(Character(s))`", at: start)
        }
        let count = s == "u" ? 4 : 8
        scanner.advance()
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let digit = scanner.peek(), let nibble = Self.hexValue(digit) else {
                throw scanner.error("invalid escape `\\\(Character(s))\(scanner.text(from: start + 2))`: "
                                    + "expected \(count) hexadecimal digits", at: start)
            }
            value = value << 4 | nibble
            scanner.advance()
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw scanner.error("invalid escape `\(scanner.text(from: start))`: U+\(TOMLScanner.hex(value, width: 4)) "
                                + "is not a Unicode scalar value", at: start)
        }
        return scalar
    }

    private static let simpleEscapes: [Unicode.Scalar: Unicode.Scalar] = [
        "b": "\u{08}", "t": "\t", "n": "\n", "f": "\u{0C}", "r": "\r", "\"": "\"", "\\": "\\",
    ]

    private static func hexValue(_ s: Unicode.Scalar) -> UInt32? {
        switch s {
        case "0"..."9": return s.value - 48
        case "a"..."f": return s.value - 87
        case "A"..."F": return s.value - 55
        default: return nil
        }
    }

    private func checkAllowed(_ s: Unicode.Scalar) throws {
        if TOMLScanner.isForbiddenControl(s) {
            throw scanner.error("\(TOMLScanner.describe(s)) is not allowed in a string (escape it)")
        }
    }

    private func unterminated(_ open: Int, _ quote: String, before end: String) -> TOMLError {
        scanner.error("unterminated string: expected a closing `\(quote)` before \(end)", at: open)
    }
}
