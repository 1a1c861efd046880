import TestSupport
import XCTest
@testable import TOML

/// Random tables, written by `TOMLTestWriter` in randomly chosen forms and read back,
/// must come back equal (up to key order, which the writer changes).
final class TOMLRoundTripTests: XCTestCase {
    private static let keys = ["a", "b", "key", "with-dash", "under_score", "42", "a b", "é", "", "x.y",
                               "\"q\"", "it's", "tab\there", "😀"]
    private static let pieces = ["", "x", "hello world", "é", "😀", "\"", "'", "\\", "\n", "\t", "\u{1}",
                                 "\u{7F}", "#", "[a]", "= 1", "\u{301}", "'''", "\"\"\""]

    func testRandomTablesSurviveWriteAndRead() throws {
        var random = SeededGenerator(seed: 0x70_4D_4C)
        for round in 0..<400 {
            let table = Self.table(depth: 0, &random)
            var writer = TOMLTestWriter(random: SeededGenerator(seed: UInt64(round)))
            let text = writer.document(table)
            do {
                let parsed = try parsePlain(text)
                XCTAssertEqual(parsed.sortedByKey, table.sortedByKey, "round \(round):\n\(text)")
            } catch {
                XCTFail("round \(round): \(error)\n\(text)")
                return
            }
        }
    }

    private static func table(depth: Int, _ random: inout SeededGenerator) -> Plain {
        var entries: [Plain.Entry] = []
        for key in keys.shuffled(using: &random).prefix(Int.random(in: 0...4, using: &random)) {
            entries.append(Plain.Entry(key: key, value: value(depth: depth + 1, &random)))
        }
        return .t(entries)
    }

    private static func value(depth: Int, _ random: inout SeededGenerator) -> Plain {
        switch Int.random(in: 0..<(depth < 4 ? 8 : 5), using: &random) {
        case 0:
            var text = ""
            for _ in 0..<Int.random(in: 0...4, using: &random) { text += pieces.randomElement(using: &random) ?? "" }
            return .s(text)
        case 1:
            return .i(Int64.random(in: .min ... .max, using: &random) >> Int64.random(in: 0...63, using: &random))
        case 2:
            return .b(Bool.random(using: &random))
        case 3:
            return .f([0.5, -2.25, 1e-7, 6.02e23, .infinity, -.infinity, 3.0].randomElement(using: &random) ?? 0)
        case 4:
            return .d(["1979-05-27T07:32:00Z", "1979-05-27", "07:32:00.25", "2000-02-29 23:59:60+05:30"]
                .randomElement(using: &random) ?? "")
        case 5, 6:
            return table(depth: depth, &random)
        default:
            let count = Int.random(in: 0...3, using: &random)
            let allTables = Bool.random(using: &random)
            return .a((0..<count).map { _ in allTables ? table(depth: depth, &random) : value(depth: depth + 1, &random) })
        }
    }
}

extension Plain {
    /// The same value with every table's entries sorted by key.
    var sortedByKey: Plain {
        switch self {
        case .a(let elements): return .a(elements.map(\.sortedByKey))
        case .t(let entries):
            return .t(entries.map { Entry(key: $0.key, value: $0.value.sortedByKey) }.sorted { $0.key < $1.key })
        default: return self
        }
    }
}
