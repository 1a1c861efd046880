import XCTest
@testable import TOML

/// Every structural rule, each with the exact place it is reported.
final class TOMLStructureErrorTests: XCTestCase {
    func testErrorDescriptionHasFileLineColumn() {
        let error = TOMLError(file: "/etc/repo/jobs.toml", position: pos(12, 9), message: "expected a value after `=`, found end of line")
        XCTAssertEqual(error.description, "/etc/repo/jobs.toml:12:9: expected a value after `=`, found end of line")
        XCTAssertEqual(pos(3, 1).description, "3:1")
    }

    func testDuplicateKeys() {
        assertTOMLError("a = 1\nb = 2\na = 3", 3, 1, "duplicate key `a` (first defined at 1:1)")
        assertTOMLError("a.b = 1\na.b = 2", 2, 3, "duplicate key `a.b` (first defined at 1:3)")
        assertTOMLError("a = { b = 1, b = 2 }", 1, 14, "duplicate key `b` (first defined at 1:7)")
        assertTOMLError("\"a\" = 1\n'a' = 2", 2, 1, "duplicate key `a`")
        assertTOMLError("[a.b]\n[a]\nb = 1", 3, 1, "duplicate key `b` (first defined at 1:1)")
        assertTOMLError("[t]\npaths = []\n\n  paths = 1", 4, 3, "duplicate key `paths` (first defined at 2:1)")
    }

    func testTableDefinedTwice() {
        assertTOMLError("[job.nightly]\nx = 1\n[job.nightly]", 3, 1, "table [job.nightly] is defined twice (first at 1:1)")
        assertTOMLError("[a]\n[a.b]\n[ a ]", 3, 1, "table [a] is defined twice (first at 1:1)")
    }

    func testHeaderCannotRedefineDottedKeyTable() {
        assertTOMLError("[fruit]\napple.color = 1\n[fruit.apple]", 3, 1,
                        "table [fruit.apple] was already defined by dotted keys at 2:1")
    }

    func testDottedKeysCannotAddToHeaderTables() {
        assertTOMLError("[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, 1, "dotted key `b.c.t` cannot add to table `b`",
                        "created by a header (at 1:1)")
        assertTOMLError("[[t.a]]\n[t]\na.x = 1", 3, 1, "dotted key `a.x` cannot add to `a`, an array of tables (at 1:1)")
    }

    func testDottedKeyThroughAValue() {
        assertTOMLError("a = 1\na.b = 2", 2, 1, "needs `a` to be a table, but it is already an integer (at 1:1)")
    }

    func testHeaderOverAValue() {
        assertTOMLError("a = 1\n[a]", 2, 1, "cannot define table [a]: `a` is already an integer (at 1:1)")
        assertTOMLError("a = 1\n[a.b]", 2, 1, "cannot define [a.b]: `a` is already an integer (at 1:1)")
    }

    func testInlineTablesCannotBeExtended() {
        assertTOMLError("a = { b = 1 }\na.c = 2", 2, 1, "cannot extend the inline table `a` (defined at 1:1)")
        assertTOMLError("a = {}\n[a.b]", 2, 1, "`a` is an inline table (at 1:1), which cannot be extended")
        assertTOMLError("a = { b = 1 }\n[a]", 2, 1, "cannot define table [a]: `a` is already an inline table")
        assertTOMLError("a = { b = {} }\n[a.b.c]", 2, 1, "`a` is an inline table")
        assertTOMLError("a = {}\n[[a]]", 2, 1, "cannot define array of tables [[a]]: `a` is already an inline table")
    }

    func testArrayOfTablesRules() {
        assertTOMLError("a = [1]\n[[a]]", 2, 1, "cannot append to the static array `a` (defined at 1:1) with [[a]]")
        assertTOMLError("a = []\n[[a]]", 2, 1, "static array")
        assertTOMLError("[a]\n[[a]]", 2, 1, "cannot define array of tables [[a]]: [a] is already a table (first at 1:1)")
        assertTOMLError("[[a]]\n[a]", 2, 1, "table [a] is already an array of tables (first at 1:1)")
        assertTOMLError("a = 1\n[[a]]", 2, 1, "`a` is already an integer (at 1:1)")
        assertTOMLError("[[a]]\nb = [{}]\n[[a.b]]", 3, 1, "cannot append to the static array `a.b`")
    }

    func testMissingEqualsAndValue() {
        assertTOMLError("location \"x\"", 1, 10, "expected `=` after key `location`, found `\"`")
        assertTOMLError("location\n", 1, 9, "expected `=` after key `location`, found end of line")
        assertTOMLError("a =\n", 1, 4, "expected a value after `=`, found end of line")
        assertTOMLError("x = 1\n  a = # c", 2, 7, "expected a value after `=`, found `#`")
        assertTOMLError("a =", 1, 4, "expected a value after `=`, found end of file")
        assertTOMLError("[j]\npath-s = \n", 2, 10, "expected a value after `=`, found end of line")
    }

    func testGarbageAfterAValueOrHeader() {
        assertTOMLError("a = 1 2", 1, 7, "expected end of line after the value, found `2`")
        assertTOMLError("a = \"x\" y", 1, 9, "expected end of line after the value, found `y`")
        assertTOMLError("a = [1] ]", 1, 9, "found `]`")
        assertTOMLError("[a] b = 1", 1, 5, "expected end of line after the table header, found `b`")
        assertTOMLError("a = 1\r b = 2", 1, 6, "found control character U+000D")
    }

    func testHeaderBrackets() {
        assertTOMLError("[a\nb = 1", 1, 3, "expected `]` to close the table header, found end of line")
        assertTOMLError("[a.b", 1, 5, "expected `]` to close the table header, found end of file")
        assertTOMLError("[[a]", 1, 5, "expected a second `]` to close the array-of-tables header, found end of file")
        assertTOMLError("[[a] ]", 1, 5, "expected a second `]`", "found ` `")
        assertTOMLError("[[a.b\n", 1, 6, "expected `]]` to close the array-of-tables header, found end of line")
        assertTOMLError("[a b]", 1, 4, "expected `]` to close the table header, found `b`")
    }

    func testMissingKeys() {
        assertTOMLError("= 1", 1, 1, "expected a key, found `=`")
        assertTOMLError("[]", 1, 2, "expected a key, found `]`")
        assertTOMLError("a. = 1", 1, 4, "expected a key, found `=`")
        assertTOMLError("x = 1\n\"\"\"a\"\"\" = 1", 2, 1, "a multi-line string cannot be a key")
        assertTOMLError("a = { . = 1 }", 1, 7, "expected a key, found `.`")
    }

    func testArrayErrors() {
        assertTOMLError("a = [1 2]", 1, 8, "expected `,` or `]` after an array element, found `2`")
        assertTOMLError("x = 1\na = [1,\n2", 2, 5, "unterminated array: expected `]`")
        assertTOMLError("a = [,]", 1, 6, "expected a value, found `,`")
        assertTOMLError("a = [1,,2]", 1, 8, "expected a value, found `,`")
    }

    func testInlineTableErrors() {
        assertTOMLError("a = { b = 1, }", 1, 14, "trailing commas are not allowed")
        assertTOMLError("a = { b = 1\n}", 1, 12, "expected `}` to close the inline table, found end of line")
        assertTOMLError("a = { b = 1", 1, 12, "expected `}` to close the inline table, found end of file")
        assertTOMLError("a = { b = 1 c = 2 }", 1, 13, "expected `,` or `}` in the inline table, found `c`")
        assertTOMLError("a = { b }", 1, 9, "expected `=` after key `b`, found `}`")
        assertTOMLError("a = {\n}", 1, 6, "expected a key, found end of line")
        assertTOMLError("a = { b = 1 # no\n}", 1, 13, "found `#`")
    }

    func testUnknownValues() {
        assertTOMLError("a = yes", 1, 5, "expected a value, found `yes`")
        assertTOMLError("a = /backup/repo", 1, 5, "expected a value, found `/`")
        assertTOMLError("a = truex", 1, 5, "expected a value, found `truex`")
        assertTOMLError("a = TRUE", 1, 5, "expected a value, found `TRUE`")
    }

    func testControlCharacterInComment() {
        assertTOMLError("a = 1\n# a\u{7}b", 2, 4, "control character U+0007 is not allowed in a comment")
        assertTOMLError("# \u{7F}", 1, 3, "control character U+007F")
    }

    func testNestingIsBounded() {
        assertTOMLError("a = " + String(repeating: "[", count: 200), 1, 5 + 64, "nested more than 64 levels deep")
        assertTOMLError("a = " + String(repeating: "{b=", count: 200), 1, 5 + 3 * 64, "nested more than 64 levels deep")
        let longKey = Array(repeating: "a", count: 150).joined(separator: ".")
        assertTOMLError("[\(longKey)]", 1, 2 + 2 * 64 + 1, "at most 64 dotted parts")
        let forty = Array(repeating: "k", count: 40).joined(separator: ".")
        assertTOMLError("[\(forty)]\n\(forty) = 1", 2, 1 + 2 * 24, "tables are nested more than 64 levels deep")
    }
}
