/// Offset date-times, local date-times, local dates and local times (RFC 3339 as TOML
/// 1.0 narrows it): the shape and ranges are checked, the text is kept as written.
///
///     1979-05-27T07:32:00Z   1979-05-27 07:32:00.999-07:00   (offset date-time)
///     1979-05-27T07:32:00                                    (local date-time)
///     1979-05-27                                             (local date)
///     07:32:00.5                                             (local time)
enum TOMLDateTimeParsing {
    /// Whether a token is meant as a date or time rather than a number: it starts with
    /// `DDDD-` or `DD:`.
    static func looksLikeDateTime(_ token: String) -> Bool {
        let s = Array(token.unicodeScalars.prefix(5))
        if s.count >= 5 && s[0..<4].allSatisfy(isDigit) && s[4] == "-" { return true }
        return s.count >= 3 && isDigit(s[0]) && isDigit(s[1]) && s[2] == ":"
    }

    /// Exactly `YYYY-MM-DD`, as the part before a space-separated time.
    static func isFullDate(_ token: String) -> Bool {
        let s = Array(token.unicodeScalars)
        guard s.count == 10 else { return false }
        return looksLikeDateTime(token) && isDigit(s[5]) && isDigit(s[6]) && s[7] == "-"
            && isDigit(s[8]) && isDigit(s[9])
    }

    /// The token itself when it is a valid date-time.
    static func validate(_ token: String) throws -> String {
        var reader = Reader(scalars: Array(token.unicodeScalars), token: token)
        if reader.scalars.count >= 3 && reader.scalars[2] == ":" {
            try reader.time()
        } else {
            try reader.date()
            if !reader.atEnd {
                guard let separator = reader.next(), separator == "T" || separator == "t" || separator == " " else {
                    throw reader.problem("expected `T` or a space between the date and the time")
                }
                try reader.time()
                if !reader.atEnd { try reader.offset() }
            }
        }
        guard reader.atEnd else { throw reader.problem("unexpected text after the time") }
        return token
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }

    private struct Reader {
        let scalars: [Unicode.Scalar]
        let token: String
        var index = 0

        var atEnd: Bool { index >= scalars.count }

        mutating func next() -> Unicode.Scalar? {
            guard index < scalars.count else { return nil }
            index += 1
            return scalars[index - 1]
        }

        func problem(_ why: String) -> TOMLTokenProblem {
            TOMLTokenProblem(message: "invalid date-time `\(token)`: \(why)")
        }

        mutating func number(digits: Int, what: String, in range: ClosedRange<Int>) throws -> Int {
            var value = 0
            for _ in 0..<digits {
                guard let s = next(), isDigit(s) else {
                    throw problem("expected \(digits) digits for the \(what)")
                }
                value = value * 10 + Int(s.value - 48)
            }
            guard range.contains(value) else {
                throw problem("the \(what) must be between \(range.lowerBound) and \(range.upperBound)")
            }
            return value
        }

        mutating func expect(_ separator: Unicode.Scalar, after what: String) throws {
            guard next() == separator else { throw problem("expected `\(separator)` after the \(what)") }
        }

        mutating func date() throws {
            let year = try number(digits: 4, what: "year", in: 0...9999)
            try expect("-", after: "year")
            let month = try number(digits: 2, what: "month", in: 1...12)
            try expect("-", after: "month")
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            _ = try number(digits: 2, what: "day", in: 1...lengths[month - 1])
        }

        /// `HH:MM:SS` with an optional fraction; TOML 1.0 requires the seconds.
        mutating func time() throws {
            _ = try number(digits: 2, what: "hour", in: 0...23)
            try expect(":", after: "hour")
            _ = try number(digits: 2, what: "minute", in: 0...59)
            try expect(":", after: "minute")
            // 60 for a leap second, as RFC 3339 allows.
            _ = try number(digits: 2, what: "second", in: 0...60)
            if index < scalars.count && scalars[index] == "." {
                index += 1
                let start = index
                while index < scalars.count && isDigit(scalars[index]) { index += 1 }
                guard index > start else { throw problem("expected digits after the decimal point") }
            }
        }

        /// `Z` or `±HH:MM`.
        mutating func offset() throws {
            switch next() {
            case "Z", "z":
                return
            case "+", "-":
                _ = try number(digits: 2, what: "offset hour", in: 0...23)
                try expect(":", after: "offset hour")
                _ = try number(digits: 2, what: "offset minute", in: 0...59)
            default:
                throw problem("expected `Z` or an offset such as `+02:00` after the time")
            }
        }
    }
}
