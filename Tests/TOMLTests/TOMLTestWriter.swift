@testable import TOML
import TestSupport

/// A tiny TOML writer for the round-trip test. It picks, at random, between the forms
/// TOML offers for the same data (basic or literal strings, inline tables or `[headers]`,
/// inline arrays of tables or `[[headers]]`), so the parser sees all of them.
struct TOMLTestWriter {
    var random: SeededGenerator
    private var out = ""

    init(random: SeededGenerator) { self.random = random }

    mutating func document(_ table: Plain) -> String {
        out = ""
        guard case .t(let entries) = table else { return "" }
        section(entries, path: [])
        return out
    }

    /// Plain values first, then the sub-tables chosen to get headers of their own,
    /// because a header ends the table above it.
    private mutating func section(_ entries: [Plain.Entry], path: [String]) {
        var deferred: [Plain.Entry] = []
        for entry in entries {
            if case .t = entry.value, Bool.random(using: &random) {
                deferred.append(entry)
            } else if case .a(let elements) = entry.value, !elements.isEmpty,
                      elements.allSatisfy({ if case .t = $0 { true } else { false } }), Bool.random(using: &random) {
                deferred.append(entry)
            } else {
                out += "\(TOMLKey.format(entry.key)) = \(inline(entry.value))\n"
            }
        }
        for entry in deferred {
            let name = TOMLKey.format(path: path + [entry.key])
            switch entry.value {
            case .t(let children):
                out += "\n[\(name)]\n"
                section(children, path: path + [entry.key])
            case .a(let elements):
                for case .t(let children) in elements {
                    out += "\n[[\(name)]]\n"
                    section(children, path: path + [entry.key])
                }
            default:
                break
            }
        }
    }

    private mutating func inline(_ value: Plain) -> String {
        switch value {
        case .s(let text): return string(text)
        case .i(let number): return "\(number)"
        case .f(let number): return "\(number)"
        case .b(let flag): return flag ? "true" : "false"
        case .d(let text): return text
        case .a(let elements):
            let separator = Bool.random(using: &random) ? ", " : ",\n  # between elements\n  "
            var parts: [String] = []
            for element in elements { parts.append(inline(element)) }
            let trailing = !parts.isEmpty && Bool.random(using: &random) ? "," : ""
            return "[" + parts.joined(separator: separator) + trailing + "]"
        case .t(let entries):
            var parts: [String] = []
            for entry in entries { parts.append("\(TOMLKey.format(entry.key)) = \(inline(entry.value))") }
            return "{ " + parts.joined(separator: ", ") + " }"
        }
    }

    private mutating func string(_ text: String) -> String {
        let literalSafe = !text.unicodeScalars.contains { $0 == "'" || TOMLScanner.isForbiddenControl($0) }
        if literalSafe && Bool.random(using: &random) { return "'\(text)'" }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += Bool.random(using: &random) ? "\\t" : "\t"
            default:
                if TOMLScanner.isForbiddenControl(scalar) || Int.random(in: 0..<8, using: &random) == 0 {
                    quoted += "\\U" + TOMLScanner.hex(scalar.value, width: 8)
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }
}
