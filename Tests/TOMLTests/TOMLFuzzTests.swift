import TestSupport
import XCTest
import Foundation
@testable import TOML

/// Random and mutated documents: parsing may succeed or fail, but only ever by
/// returning a table or throwing a `TOMLError` at a position inside the text.
final class TOMLFuzzTests: XCTestCase {
    private static let alphabet: [String] = [
        "[", "]", "[[", "]]", "{", "}", "=", ".", ",", "\"", "'", "\"\"\"", "'''", "\\", "#", "\n", "\r\n", "\r",
        "\t", " ", " ", "a", "b", "key", "0", "1", "9", "_", "-", "+", "x", "o", "e", "E", ":", "T", "Z", "inf",
        "nan", "true", "\\u", "\\U", "0x", "1979-05-27", "07:32:00", "é", "😀", "\u{301}", "\u{0}", "\u{FEFF}",
        "\u{7F}", "\u{FFFD}",
    ]

    private static let corpus: [String] = [
        TOMLJobFileTests.example,
        "a = [1, [2, {b = 'c'}], \"\"\"\nx\\\n  y\"\"\"]\n[t.\"u v\"]\nd = 1979-05-27T07:32:00Z\n[[t.list]]\ne = 0x1F\n",
        "x.y.z = 1e10\n[[a]]\nb.c = '''lit'''\n[a.d]\n[[a]]\nf = -inf\n",
    ]

    func testRandomAndMutatedInputsNeverCrash() {
        var random = SeededGenerator(seed: 0xF022)
        let deadline = Date().addingTimeInterval(1.5)
        var inputs = 0
        var parsed = 0
        while inputs < 6000 && Date() < deadline {
            let text = inputs % 2 == 0 ? Self.randomText(&random) : Self.mutated(&random)
            inputs += 1
            do {
                let table = try TOML.parse(text, file: "fuzz.toml")
                XCTAssertEqual(table, table)
                Self.readEverything(TOMLTableReader(table, file: "fuzz.toml", name: ""), depth: 0)
                parsed += 1
            } catch let error as TOMLError {
                let lines = text.reduce(1) { $0 + (($1 == "\n" || $1 == "\r\n") ? 1 : 0) }
                XCTAssertTrue((1...lines).contains(error.position.line), "\(error) for \(text.debugDescription)")
                XCTAssertGreaterThanOrEqual(error.position.column, 1)
                XCTAssertFalse(error.message.isEmpty)
            } catch {
                XCTFail("not a TOMLError: \(error) for \(text.debugDescription)")
            }
        }
        XCTAssertGreaterThan(inputs, 1000)
        XCTAssertGreaterThan(parsed, 10, "the generator should produce some valid documents")
    }

    /// Every getter on every key, recursing into tables: each may only return or throw.
    private static func readEverything(_ reader: TOMLTableReader, depth: Int) {
        for key in reader.table.keys {
            _ = try? reader.string(key)
            _ = try? reader.requiredString(key)
            _ = try? reader.integer(key, in: -5...5)
            _ = try? reader.boolean(key)
            _ = try? reader.stringArray(key)
            _ = reader.error("m", at: key)
            if depth < 8, let child = try? reader.table(key) { readEverything(child, depth: depth + 1) }
            for element in (try? reader.tables(key)) ?? [] where depth < 8 {
                readEverything(element, depth: depth + 1)
            }
        }
        _ = try? reader.subtables()
        _ = try? reader.finish()
    }

    private static func randomText(_ random: inout SeededGenerator) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...40, using: &random) { text += alphabet.randomElement(using: &random) ?? "" }
        return text
    }

    private static func mutated(_ random: inout SeededGenerator) -> String {
        var scalars = Array((corpus.randomElement(using: &random) ?? "").unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let at = Int.random(in: 0...scalars.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                let end = min(scalars.count, at + Int.random(in: 1...8, using: &random))
                scalars.removeSubrange(at..<end)
            case 1:
                scalars.insert(contentsOf: (alphabet.randomElement(using: &random) ?? "").unicodeScalars, at: at)
            case 2:
                // Duplicate a stretch: duplicate keys, headers and brackets.
                let end = min(scalars.count, at + Int.random(in: 1...40, using: &random))
                scalars.insert(contentsOf: scalars[at..<end], at: at)
            default:
                scalars = Array(scalars.prefix(at))
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
