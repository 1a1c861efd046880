/// Values: dispatch on the first character, arrays and inline tables. Strings, numbers
/// and date-times have files of their own.
extension TOMLParser {
    /// Reads the value at the cursor. `depth` counts the tables and arrays around it,
    /// bounded so that `[[[[…` cannot exhaust the stack of this recursive reader.
    mutating func parseValue(depth: Int) throws -> TOMLValue {
        if scanner.peek() == "[" || scanner.peek() == "{", depth > TOMLTableBuilder.maximumDepth {
            throw scanner.error("values are nested more than \(TOMLTableBuilder.maximumDepth) levels deep")
        }
        switch scanner.peek() {
        case "\"":
            return .string(scanner.looksAt("\"\"\"") ? try parseMultilineBasicString()
                                                     : try parseBasicString())
        case "'":
            return .string(scanner.looksAt("'''") ? try parseMultilineLiteralString()
                                                  : try parseLiteralString())
        case "[":
            return try parseArray(depth: depth)
        case "{":
            return try parseInlineTable(depth: depth)
        default:
            return try parseBareValue()
        }
    }

    /// `[ v, v, ]`: may span lines and hold comments; elements may be of mixed types.
    private mutating func parseArray(depth: Int) throws -> TOMLValue {
        let open = scanner.index
        scanner.advance()
        var elements: [TOMLNode] = []
        while true {
            try scanner.skipBlank()
            if scanner.atEnd { throw unterminatedArray(open) }
            if scanner.peek() == "]" {
                scanner.advance()
                return .array(elements)
            }
            let position = scanner.position
            elements.append(TOMLNode(element: try parseValue(depth: depth + 1), at: position))
            try scanner.skipBlank()
            if scanner.peek() == "," {
                scanner.advance()
            } else if scanner.peek() == "]" {
                scanner.advance()
                return .array(elements)
            } else if scanner.atEnd {
                throw unterminatedArray(open)
            } else {
                throw scanner.error("expected `,` or `]` after an array element, found \(scanner.describeHere())")
            }
        }
    }

    private func unterminatedArray(_ open: Int) -> TOMLError {
        scanner.error("unterminated array: expected `]` to close the `[` here, found end of file", at: open)
    }

    /// `{ k = v, k.l = v }`: one line, no trailing comma, sealed once closed.
    private mutating func parseInlineTable(depth: Int) throws -> TOMLValue {
        let position = scanner.position
        scanner.advance()
        let table = TOMLTableBuilder(origin: .inline, position: position, keyPosition: position, depth: depth)
        scanner.skipSpaces()
        if scanner.peek() == "}" {
            scanner.advance()
            return .table(table.build())
        }
        while true {
            scanner.skipSpaces()
            if scanner.peek() == "}" {
                throw scanner.error("expected a key after `,` in the inline table, found `}` "
                                    + "(trailing commas are not allowed in inline tables)")
            }
            try parseKeyValue(into: table)
            scanner.skipSpaces()
            if scanner.peek() == "," {
                scanner.advance()
            } else if scanner.peek() == "}" {
                scanner.advance()
                return .table(table.build())
            } else if scanner.atEnd || scanner.atNewline {
                throw scanner.error("expected `}` to close the inline table, found \(scanner.describeHere()) "
                                    + "(inline tables must be on one line)")
            } else {
                throw scanner.error("expected `,` or `}` in the inline table, found \(scanner.describeHere())")
            }
        }
    }

    /// Booleans, numbers and date-times: read as one token, then classified.
    private mutating func parseBareValue() throws -> TOMLValue {
        let start = scanner.index
        while let s = scanner.peek(), Self.isTokenScalar(s) { scanner.advance() }
        let head = scanner.text(from: start)
        // A date and a time may be separated by a space instead of `T`.
        if TOMLDateTimeParsing.isFullDate(head), scanner.peek() == " ",
           TOMLScanner.isDigit(scanner.peek(1)), TOMLScanner.isDigit(scanner.peek(2)), scanner.peek(3) == ":" {
            scanner.advance()
            while let s = scanner.peek(), Self.isTokenScalar(s) { scanner.advance() }
        }
        let token = scanner.text(from: start)
        if token.isEmpty {
            throw scanner.error("expected a value, found \(scanner.describeHere())")
        }
        do {
            if token == "true" { return .boolean(true) }
            if token == "false" { return .boolean(false) }
            if TOMLDateTimeParsing.looksLikeDateTime(token) {
                return .dateTime(try TOMLDateTimeParsing.validate(token))
            }
            if let first = token.unicodeScalars.first, TOMLScanner.isDigit(first) || first == "+" || first == "-"
                || token == "inf" || token == "nan" {
                return try TOMLNumberParsing.parse(token)
            }
        } catch let problem as TOMLTokenProblem {
            throw scanner.error(problem.message, at: start)
        }
        throw scanner.error("expected a value, found `\(token)`", at: start)
    }

    private static func isTokenScalar(_ s: Unicode.Scalar) -> Bool {
        TOMLScanner.isBareKeyScalar(s) || s == "+" || s == "." || s == ":"
    }
}
