import XCTest
@testable import TOML

/// Every rule on strings and numbers, each with the exact place it is reported.
final class TOMLValueErrorTests: XCTestCase {
    func testUnterminatedStrings() {
        assertTOMLError("a = \"abc\nb = 1", 1, 5, "unterminated string: expected a closing `\"` before the end of the line")
        assertTOMLError("a = \"abc", 1, 5, "unterminated string: expected a closing `\"` before the end of the file")
        assertTOMLError("a = 'abc\n", 1, 5, "unterminated string: expected a closing `'` before the end of the line")
        assertTOMLError("x = 1\na = \"\"\"abc\n\n", 2, 5, "unterminated multi-line string: expected `\"\"\"`")
        assertTOMLError("a = '''x''", 1, 5, "unterminated multi-line string: expected `'''`")
        assertTOMLError("\"key = 1", 1, 1, "unterminated string")
        assertTOMLError("a = \"x\\", 1, 7, "invalid escape: `\\` at the end of the file")
    }

    func testInvalidEscapes() {
        assertTOMLError("a = \"x\\qy\"", 1, 7, "invalid escape `\\q`")
        assertTOMLError("a = \"\\e\"", 1, 6, "invalid escape `\\e`")
        assertTOMLError("a = \"x\\ \"", 1, 7, "invalid escape: `\\` followed by ` `")
        assertTOMLError("a = \"x\\\ny\"", 1, 7, "invalid escape: `\\` followed by end of line")
        assertTOMLError("a = \"\"\"x\\ y\"\"\"", 1, 9, "invalid escape: `\\` followed by ` `")
        assertTOMLError("a = \"\"\"\n\\z\"\"\"", 2, 1, "invalid escape `\\z`")
    }

    func testInvalidUnicodeEscapes() {
        assertTOMLError("a = \"\\u12\"", 1, 6, "invalid escape `\\u12`: expected 4 hexadecimal digits")
        assertTOMLError("a = \"\\U0000004\"", 1, 6, "expected 8 hexadecimal digits")
        assertTOMLError("a = \"\\uD800\"", 1, 6, "invalid escape `\\uD800`: U+D800 is not a Unicode scalar value")
        assertTOMLError("a = \"\\U00110000\"", 1, 6, "U+110000 is not a Unicode scalar value")
    }

    func testControlCharactersInStrings() {
        assertTOMLError("a = \"x\u{1}\"", 1, 7, "control character U+0001 is not allowed in a string")
        assertTOMLError("a = 'x\u{1F}'", 1, 7, "control character U+001F")
        assertTOMLError("a = '''x\ry'''", 1, 9, "control character U+000D")
        assertTOMLError("a = \"\"\"x\u{7F}\"\"\"", 1, 9, "control character U+007F")
        assertTOMLError("\"a\u{0}\" = 1", 1, 3, "control character U+0000")
    }

    func testLeadingZeros() {
        assertTOMLError("a = 007", 1, 5, "leading zeros are not allowed in `007`")
        assertTOMLError("a = -01.5", 1, 5, "leading zeros are not allowed in `-01.5`")
        assertTOMLError("a = 00", 1, 5, "leading zeros")
    }

    func testIntegerOverflow() {
        assertTOMLError("a = 9223372036854775808", 1, 5, "integer `9223372036854775808` does not fit in 64 bits")
        assertTOMLError("a = -9223372036854775809", 1, 5, "does not fit in 64 bits")
        assertTOMLError("a = 0x8000000000000000", 1, 5, "does not fit in 64 bits")
        assertTOMLError("a = 0b" + String(repeating: "1", count: 64), 1, 5, "does not fit in 64 bits")
    }

    func testUnderscoresAndMalformedNumbers() {
        assertTOMLError("a = 1__2", 1, 5, "underscores must be between digits in `1__2`")
        assertTOMLError("a = 1_", 1, 5, "underscores must be between digits")
        assertTOMLError("a = 1_.5", 1, 5, "underscores must be between digits")
        assertTOMLError("a = 0x_1", 1, 5, "underscores must be between digits")
        assertTOMLError("a = _1", 1, 5, "expected a value, found `_1`")
        assertTOMLError("a = +0x1F", 1, 5, "a sign is not allowed on `+0x1F`")
        assertTOMLError("a = 0x", 1, 5, "expected digits in `0x`")
        assertTOMLError("a = 0b102", 1, 5, "invalid number `0b102`")
        assertTOMLError("a = 0o8", 1, 5, "invalid number `0o8`")
        assertTOMLError("a = 1-2", 1, 5, "invalid number `1-2`")
        assertTOMLError("a = 0X1F", 1, 5, "invalid number `0X1F`")
    }

    func testMalformedFloats() {
        assertTOMLError("a = 1.", 1, 5, "expected digits after the decimal point in `1.`")
        assertTOMLError("a = .5", 1, 5, "expected a value, found `.5`")
        assertTOMLError("a = 1e", 1, 5, "expected digits in the exponent in `1e`")
        assertTOMLError("a = 1.5.3", 1, 5, "invalid number `1.5.3`")
        assertTOMLError("a = 1e999", 1, 5, "float `1e999` is out of range")
        assertTOMLError("a = infinity", 1, 5, "expected a value, found `infinity`")
        assertTOMLError("a = -", 1, 5, "expected an integer part in `-`")
    }

    func testInvalidUTF8ArrivesAsReplacementCharacters() throws {
        // Callers decode files into `String`; invalid bytes become U+FFFD, which is text.
        let bytes: [UInt8] = Array("a = \"".utf8) + [0xFF, 0xC3] + Array("\"".utf8)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertEqual(try parsePlain(text), T(("a", .s("\u{FFFD}\u{FFFD}"))))
        assertTOMLError(String(decoding: [0xFF] + Array(" = 1".utf8), as: UTF8.self), 1, 1, "expected a key, found `\u{FFFD}`")
    }
}
