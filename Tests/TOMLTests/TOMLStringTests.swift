import XCTest
@testable import TOML

final class TOMLStringTests: XCTestCase {
    func testBasicStringEscapes() throws {
        let text = #"a = "q\"b\\s\/""# // `\/` is not an escape in TOML 1.0
        assertTOMLError(text, 1, 13, "invalid escape `\\/`")
        XCTAssertEqual(try parsePlain(#"a = "\b\t\n\f\r\"\\""#), T(("a", .s("\u{8}\t\n\u{C}\r\"\\"))))
    }

    func testUnicodeEscapes() throws {
        XCTAssertEqual(try parsePlain(#"a = "\u00e9\U0001F600\u0041""#), T(("a", .s("é😀A"))))
    }

    func testBasicStringKeepsUnicodeAndTabs() throws {
        XCTAssertEqual(try parsePlain("a = \"tab\there ünï 😀\""), T(("a", .s("tab\there ünï 😀"))))
    }

    func testLiteralStringTakesBackslashesAsWritten() throws {
        XCTAssertEqual(try parsePlain(#"a = 'C:\Users\n "quoted"'"#), T(("a", .s(#"C:\Users\n "quoted""#))))
    }

    func testEmptyStrings() throws {
        XCTAssertEqual(try parsePlain("a = \"\"\nb = ''"), T(("a", .s("")), ("b", .s(""))))
    }

    func testMultilineBasicTrimsFirstNewlineAndNormalisesCRLF() throws {
        let text = "a = \"\"\"\r\nline one\r\nline \\\"two\\\"\n\"\"\""
        XCTAssertEqual(try parsePlain(text), T(("a", .s("line one\nline \"two\"\n"))))
    }

    func testMultilineBasicLineEndingBackslash() throws {
        let text = "a = \"\"\"\nThe quick \\   \n\n   brown \\\n   fox.\"\"\""
        XCTAssertEqual(try parsePlain(text), T(("a", .s("The quick brown fox."))))
    }

    func testMultilineQuotesBeforeTheClosingDelimiter() throws {
        XCTAssertEqual(try parsePlain(#"a = """x "" y""""""#), T(("a", .s(#"x "" y"""#))))
        XCTAssertEqual(try parsePlain(#"a = """"one"""""#), T(("a", .s(#""one""#))))
        XCTAssertEqual(try parsePlain("a = '''it's ''two'''''"), T(("a", .s("it's ''two''"))))
    }

    func testMultilineLiteral() throws {
        let text = "a = '''\nfirst \\n line\n  second\n'''"
        XCTAssertEqual(try parsePlain(text), T(("a", .s("first \\n line\n  second\n"))))
    }

    func testQuotedKeys() throws {
        XCTAssertEqual(try parsePlain(#""b c" = 1"# + "\n'd.e' = 2\n\"\" = 3\n\"\\u0041\" = 4"),
                       T(("b c", .i(1)), ("d.e", .i(2)), ("", .i(3)), ("A", .i(4))))
    }

    func testCombiningMarkAfterAQuoteDoesNotHideTheQuote() throws {
        // The grammar works on scalars, not Characters: a combining mark stays in its string…
        XCTAssertEqual(try parsePlain("a = \"e\u{301}\""), T(("a", .s("e\u{301}"))))
        // …and one that joins the closing quote into one Character does not hide the quote.
        assertTOMLError("a = \"\"\u{301}", 1, 6, "expected end of line after the value")
    }
}
