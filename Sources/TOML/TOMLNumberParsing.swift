/// Integers and floats, from a token already cut out of the text.
///
/// Integers: decimal with an optional sign, or unsigned `0x`, `0o`, `0b`; underscores
/// only between digits; no leading zeros; must fit in 64 bits. Floats: an integer part,
/// then a fraction, an exponent or both (the exponent may have leading zeros), or
/// `inf`/`nan` with an optional sign.
enum TOMLNumberParsing {
    static func parse(_ token: String) throws -> TOMLValue {
        let scalars = Array(token.unicodeScalars)
        var body = scalars[...]
        var negative = false
        if let first = body.first, first == "+" || first == "-" {
            negative = first == "-"
            body = body.dropFirst()
        }
        let bodyText = String(String.UnicodeScalarView(body))
        if bodyText == "inf" { return .float(negative ? -.infinity : .infinity) }
        if bodyText == "nan" { return .float(.nan) }

        if body.count >= 2, body.first == "0", let radix = radix(of: body[body.startIndex + 1]) {
            guard body.count == scalars.count else {
                throw TOMLTokenProblem(message: "a sign is not allowed on `\(token)`: only decimal numbers may have one")
            }
            return .integer(try integer(body.dropFirst(2), radix: radix, token: token))
        }

        // Split into integer part, fraction and exponent, checking each as it goes.
        var i = body.startIndex
        let integerPart = run(body, from: &i, while: { isDigit($0) || $0 == "_" })
        try checkDigits(integerPart, token: token, what: "an integer part")
        if integerPart.count > 1 && integerPart.first == "0" {
            throw TOMLTokenProblem(message: "leading zeros are not allowed in `\(token)`")
        }
        var isFloat = false
        if i < body.endIndex && body[i] == "." {
            isFloat = true
            i += 1
            let fraction = run(body, from: &i, while: { isDigit($0) || $0 == "_" })
            try checkDigits(fraction, token: token, what: "digits after the decimal point")
        }
        if i < body.endIndex && (body[i] == "e" || body[i] == "E") {
            isFloat = true
            i += 1
            if i < body.endIndex && (body[i] == "+" || body[i] == "-") { i += 1 }
            let exponent = run(body, from: &i, while: { isDigit($0) || $0 == "_" })
            try checkDigits(exponent, token: token, what: "digits in the exponent")
        }
        guard i == body.endIndex else {
            throw TOMLTokenProblem(message: "invalid number `\(token)`")
        }
        let cleaned = String(String.UnicodeScalarView(scalars.filter { $0 != "_" }))
        if isFloat {
            guard let value = Double(cleaned), value.isFinite else {
                throw TOMLTokenProblem(message: "float `\(token)` is out of range")
            }
            return .float(value)
        }
        guard let value = Int64(cleaned) else {
            throw TOMLTokenProblem(message: "integer `\(token)` does not fit in 64 bits")
        }
        return .integer(value)
    }

    private static func radix(of s: Unicode.Scalar) -> Int? {
        switch s {
        case "x": return 16
        case "o": return 8
        case "b": return 2
        default: return nil
        }
    }

    private static func integer(_ digits: ArraySlice<Unicode.Scalar>, radix: Int, token: String) throws -> Int64 {
        try checkDigits(digits, token: token, what: "digits", isDigit: { (digitValue($0) ?? radix) < radix })
        var value: Int64 = 0
        for s in digits where s != "_" {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: Int64(radix))
            let (sum, overflow2) = shifted.addingReportingOverflow(Int64(digitValue(s) ?? 0))
            if overflow1 || overflow2 {
                throw TOMLTokenProblem(message: "integer `\(token)` does not fit in 64 bits")
            }
            value = sum
        }
        return value
    }

    private static func digitValue(_ s: Unicode.Scalar) -> Int? {
        switch s {
        case "0"..."9": return Int(s.value) - 48
        case "a"..."f": return Int(s.value) - 87
        case "A"..."F": return Int(s.value) - 55
        default: return nil
        }
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }

    /// Digits with underscores only between them.
    private static func checkDigits(_ part: ArraySlice<Unicode.Scalar>, token: String, what: String,
                                    isDigit: (Unicode.Scalar) -> Bool = isDigit) throws {
        guard !part.isEmpty else {
            throw TOMLTokenProblem(message: "expected \(what) in `\(token)`")
        }
        var previousWasDigit = false
        for s in part {
            if s == "_" {
                guard previousWasDigit else {
                    throw TOMLTokenProblem(message: "underscores must be between digits in `\(token)`")
                }
                previousWasDigit = false
            } else if isDigit(s) {
                previousWasDigit = true
            } else {
                throw TOMLTokenProblem(message: "invalid number `\(token)`")
            }
        }
        guard previousWasDigit else {
            throw TOMLTokenProblem(message: "underscores must be between digits in `\(token)`")
        }
    }

    private static func run(_ body: ArraySlice<Unicode.Scalar>, from i: inout Int,
                            while accept: (Unicode.Scalar) -> Bool) -> ArraySlice<Unicode.Scalar> {
        let start = i
        while i < body.endIndex && accept(body[i]) { i += 1 }
        return body[start..<i]
    }
}
