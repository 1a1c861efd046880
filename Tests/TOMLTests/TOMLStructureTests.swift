import XCTest
@testable import TOML

final class TOMLStructureTests: XCTestCase {
    func testCommentsBlankLinesAndWhitespace() throws {
        let text = "# top\n\n  \t a = 1 # after\n#end\n\n\tb\t=\t2\t\n# no newline at the end"
        XCTAssertEqual(try parsePlain(text), T(("a", .i(1)), ("b", .i(2))))
        XCTAssertEqual(try parsePlain(""), T())
        XCTAssertEqual(try parsePlain("\u{FEFF}a = 1"), T(("a", .i(1))))
    }

    func testBareAndDottedKeys() throws {
        XCTAssertEqual(try parsePlain("bare_key-1 = 1\n1234 = 2\na.b.c = 3\na . \"x y\" . 'z' = 4\n3.14 = 5"),
                       T(("bare_key-1", .i(1)), ("1234", .i(2)),
                         ("a", T(("b", T(("c", .i(3)))), ("x y", T(("z", .i(4)))))),
                         ("3", T(("14", .i(5))))))
    }

    func testTables() throws {
        let text = "[a]\nx = 1\n[ b . \"c d\" . e ]\ny = 2\n[a.sub]\nz = 3\n[f]"
        XCTAssertEqual(try parsePlain(text), T(
            ("a", T(("x", .i(1)), ("sub", T(("z", .i(3)))))),
            ("b", T(("c d", T(("e", T(("y", .i(2)))))))),
            ("f", T())))
    }

    func testImplicitTableMayBeDefinedLater() throws {
        XCTAssertEqual(try parsePlain("[x.y.z]\na = 1\n[x]\nb = 2"),
                       T(("x", T(("y", T(("z", T(("a", .i(1)))))), ("b", .i(2))))))
    }

    func testHeaderMayAddSubTablesToDottedKeyTables() throws {
        XCTAssertEqual(try parsePlain("[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true"),
                       T(("fruit", T(("apple", T(("color", .s("red")), ("texture", T(("smooth", .b(true))))))))))
    }

    func testArraysOfTablesAndTheirSubTables() throws {
        let text = """
        [job.x]
        [[job.x.database]]
        name = "one"
        [job.x.database.extra]
        deep = 1
        [[job.x.database]]
        name = "two"
        [[job.x.database.step]]
        n = 1
        [[job.x.database.step]]
        n = 2
        """
        XCTAssertEqual(try parsePlain(text), T(("job", T(("x", T(("database", .a([
            T(("name", .s("one")), ("extra", T(("deep", .i(1))))),
            T(("name", .s("two")), ("step", .a([T(("n", .i(1))), T(("n", .i(2)))]))),
        ]))))))))
    }

    func testArrays() throws {
        let text = """
        a = []
        b = [ 1, "two", 3.0, [4, [5]], { six = 6 }, true, ]
        c = [
          "x",   # comment
          # another
          "y"
          ,
        ]
        d = [[], [[]]]
        """
        XCTAssertEqual(try parsePlain(text), T(
            ("a", .a([])),
            ("b", .a([.i(1), .s("two"), .f(3), .a([.i(4), .a([.i(5)])]), T(("six", .i(6))), .b(true)])),
            ("c", .a([.s("x"), .s("y")])),
            ("d", .a([.a([]), .a([.a([])])]))))
    }

    func testInlineTables() throws {
        let text = #"keep = { last = 3, daily = 7 }"# + "\n" + #"p = { x.y = 1, x.z = "a", "q r" = {}, n = { m = [1] } }"# + "\ne = {}"
        XCTAssertEqual(try parsePlain(text), T(
            ("keep", T(("last", .i(3)), ("daily", .i(7)))),
            ("p", T(("x", T(("y", .i(1)), ("z", .s("a")))), ("q r", T()), ("n", T(("m", .a([.i(1)])))))),
            ("e", T())))
    }

    func testPositionsOfValuesKeysAndTables() throws {
        let text = """
        a = 1
        [t.u]
          s = "x"
          arr = [ 10,
                  20 ]
          in = { k = true }
        [[list]]
        v.w = 2
        """
        let root = try TOML.parse(text, file: "f")
        XCTAssertEqual(root.position, pos(1, 1))
        XCTAssertEqual(root["a"]?.keyPosition, pos(1, 1))
        XCTAssertEqual(root["a"]?.position, pos(1, 5))
        XCTAssertEqual(node(root, "t")?.keyPosition, pos(2, 2))   // implicit: first mentioned in [t.u]
        XCTAssertEqual(node(root, "t", "u")?.position, pos(2, 1))
        XCTAssertEqual(node(root, "t", "u")?.keyPosition, pos(2, 4))
        XCTAssertEqual(node(root, "t", "u", "s")?.keyPosition, pos(3, 3))
        XCTAssertEqual(node(root, "t", "u", "s")?.position, pos(3, 7))
        guard case .array(let elements)? = node(root, "t", "u", "arr")?.value else { return XCTFail() }
        XCTAssertEqual(elements.map(\.position), [pos(4, 11), pos(5, 11)])
        XCTAssertEqual(elements.map(\.keyPosition), [pos(4, 11), pos(5, 11)])
        guard case .table(let inline)? = node(root, "t", "u", "in")?.value else { return XCTFail() }
        XCTAssertEqual(inline.position, pos(6, 8))
        XCTAssertEqual(inline["k"]?.keyPosition, pos(6, 10))
        guard case .array(let list)? = root["list"]?.value else { return XCTFail() }
        XCTAssertEqual(root["list"]?.position, pos(7, 1))
        XCTAssertEqual(root["list"]?.keyPosition, pos(7, 3))
        guard case .table(let first)? = list.first?.value else { return XCTFail() }
        XCTAssertEqual(first.position, pos(7, 1))
        XCTAssertEqual(first["v"]?.keyPosition, pos(8, 1))
        XCTAssertEqual(node(first, "v", "w")?.keyPosition, pos(8, 3))
    }

    func testColumnsCountCharacters() {
        assertTOMLError("\"é😀👨‍👩‍👧\" = 1 x", 1, 11, "expected end of line after the value, found `x`")
        assertTOMLError("a = 1\nb = \"🇫🇷\" ;", 2, 9, "found `;`")
    }

    func testKeysKeepDefinitionOrder() throws {
        let root = try TOML.parse("z = 1\na = 2\n[m]\n[b]\n[a2.x]\n", file: "f")
        XCTAssertEqual(root.keys, ["z", "a", "m", "b", "a2"])
    }

    func testKeyFormattingQuotesOnlyWhenNeeded() {
        XCTAssertEqual(TOMLKey.format("paths"), "paths")
        XCTAssertEqual(TOMLKey.format("read-data_2"), "read-data_2")
        XCTAssertEqual(TOMLKey.format(""), "\"\"")
        XCTAssertEqual(TOMLKey.format("b c"), "\"b c\"")
        XCTAssertEqual(TOMLKey.format("q\"\\\t\u{1}"), "\"q\\\"\\\\\\t\\u0001\"")
        XCTAssertEqual(TOMLKey.format(path: ["a", "b c", "d"]), "a.\"b c\".d")
    }

    func testTablesBuiltByHandKeepKeyOrder() {
        var table = TOMLTable()
        table.set("z", TOMLNode(value: .integer(1), position: pos(1, 5), keyPosition: pos(1, 1)))
        table.set("a", TOMLNode(element: .boolean(true), at: pos(2, 1)))
        table.set("z", TOMLNode(value: .integer(2), position: pos(3, 5), keyPosition: pos(3, 1)))
        XCTAssertEqual(table.keys, ["z", "a"])
        XCTAssertEqual(table["z"]?.value, .integer(2))
        XCTAssertEqual(table["a"]?.keyPosition, pos(2, 1))
        XCTAssertEqual(table.position, pos(1, 1))
    }
}
