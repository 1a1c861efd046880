import XCTest
@testable import TOML

/// A TOML value without positions, so that tests can state expected documents briefly.
indirect enum Plain: Equatable {
    case s(String), i(Int64), f(Double), b(Bool), d(String), a([Plain]), t([Entry])

    struct Entry: Equatable {
        let key: String
        let value: Plain
    }

    init(_ value: TOMLValue) {
        switch value {
        case .string(let v): self = .s(v)
        case .integer(let v): self = .i(v)
        case .float(let v): self = .f(v)
        case .boolean(let v): self = .b(v)
        case .dateTime(let v): self = .d(v)
        case .array(let nodes): self = .a(nodes.map { Plain($0.value) })
        case .table(let table): self = Plain(table)
        }
    }

    init(_ table: TOMLTable) {
        self = .t(table.keys.compactMap { key in
            table[key].map { Entry(key: key, value: Plain($0.value)) }
        })
    }
}

/// `T(("a", .i(1)), ("b", .s("x")))`: a table in key order.
func T(_ pairs: (String, Plain)...) -> Plain {
    .t(pairs.map { Plain.Entry(key: $0.0, value: $0.1) })
}

func parsePlain(_ text: String, file: String = "test.toml") throws -> Plain {
    Plain(try TOML.parse(text, file: file))
}

/// The node at a dotted path of table keys (no array indexing).
func node(_ table: TOMLTable, _ path: String...) -> TOMLNode? {
    var current = table
    var result: TOMLNode?
    for (i, key) in path.enumerated() {
        guard let next = current[key] else { return nil }
        result = next
        if i < path.count - 1 {
            guard case .table(let child) = next.value else { return nil }
            current = child
        }
    }
    return result
}

func pos(_ line: Int, _ column: Int) -> TOMLPosition { TOMLPosition(line: line, column: column) }

/// Asserts that parsing fails at exactly `line`:`column` with a message containing each
/// of `fragments`.
func assertTOMLError(_ text: String, _ line: Int, _ column: Int, _ fragments: String...,
                     file: StaticString = #filePath, line testLine: UInt = #line) {
    do {
        let table = try TOML.parse(text, file: "jobs.toml")
        XCTFail("expected an error, parsed \(Plain(table))", file: file, line: testLine)
    } catch let error as TOMLError {
        XCTAssertEqual(error.file, "jobs.toml", file: file, line: testLine)
        XCTAssertEqual(error.position, pos(line, column), "\(error)", file: file, line: testLine)
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment), "«\(error.message)» lacks «\(fragment)»",
                          file: file, line: testLine)
        }
    } catch {
        XCTFail("not a TOMLError: \(error)", file: file, line: testLine)
    }
}
