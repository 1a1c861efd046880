import XCTest
@testable import TOML

final class TOMLNumberTests: XCTestCase {
    func testDecimalIntegers() throws {
        XCTAssertEqual(try parsePlain("a = 42\nb = +17\nc = -5\nd = 0\ne = -0\nf = 1_000_000\ng = 5_3_9"),
                       T(("a", .i(42)), ("b", .i(17)), ("c", .i(-5)), ("d", .i(0)), ("e", .i(0)),
                         ("f", .i(1_000_000)), ("g", .i(539))))
    }

    func testIntegerLimits() throws {
        XCTAssertEqual(try parsePlain("a = 9223372036854775807\nb = -9223372036854775808"),
                       T(("a", .i(.max)), ("b", .i(.min))))
    }

    func testHexOctalBinary() throws {
        XCTAssertEqual(try parsePlain("a = 0xDEADbeef\nb = 0xdead_BEEF\nc = 0o755\nd = 0b1101_0110\ne = 0x0\nf = 0x7FFFFFFFFFFFFFFF\ng = 0o0017"),
                       T(("a", .i(0xDEADBEEF)), ("b", .i(0xDEADBEEF)), ("c", .i(0o755)),
                         ("d", .i(0b1101_0110)), ("e", .i(0)), ("f", .i(.max)), ("g", .i(15))))
    }

    func testFloats() throws {
        XCTAssertEqual(try parsePlain("a = 1.0\nb = 3.1415\nc = -0.01\nd = 5e+22\ne = 1e06\nf = -2E-2\ng = 6.626e-34\nh = 224_617.445_991\ni = 0.0\nj = +1.5"),
                       T(("a", .f(1)), ("b", .f(3.1415)), ("c", .f(-0.01)), ("d", .f(5e22)), ("e", .f(1e6)),
                         ("f", .f(-0.02)), ("g", .f(6.626e-34)), ("h", .f(224_617.445_991)), ("i", .f(0)),
                         ("j", .f(1.5))))
    }

    func testInfinityAndNaN() throws {
        XCTAssertEqual(try parsePlain("a = inf\nb = +inf\nc = -inf"),
                       T(("a", .f(.infinity)), ("b", .f(.infinity)), ("c", .f(-.infinity))))
        let table = try TOML.parse("a = nan\nb = +nan\nc = -nan", file: "t")
        for key in ["a", "b", "c"] {
            guard case .float(let value)? = table[key]?.value else { return XCTFail(key) }
            XCTAssertTrue(value.isNaN, key)
        }
    }

    func testBooleans() throws {
        XCTAssertEqual(try parsePlain("a = true\nb = false"), T(("a", .b(true)), ("b", .b(false))))
    }

    func testTypeNames() {
        let names = [TOMLValue.string(""), .integer(0), .float(0), .boolean(true), .dateTime(""),
                     .array([]), .table(TOMLTable())].map(\.typeName)
        XCTAssertEqual(names, ["a string", "an integer", "a float", "a boolean", "a date-time",
                               "an array", "a table"])
    }
}
