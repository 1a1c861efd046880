import XCTest
@testable import TOML

final class TOMLDateTimeTests: XCTestCase {
    func testAllFourKindsAreKeptAsWritten() throws {
        let text = """
        odt1 = 1979-05-27T07:32:00Z
        odt2 = 1979-05-27T00:32:00-07:00
        odt3 = 1979-05-27T00:32:00.999999+05:30
        odt4 = 1979-05-27 07:32:00z
        ldt1 = 1979-05-27T07:32:00
        ldt2 = 1979-05-27t00:32:00.999999
        ld = 1979-05-27
        lt1 = 07:32:00
        lt2 = 00:32:00.999999
        leap = 2000-02-29
        second = 1990-12-31T23:59:60Z
        """
        XCTAssertEqual(try parsePlain(text), T(
            ("odt1", .d("1979-05-27T07:32:00Z")), ("odt2", .d("1979-05-27T00:32:00-07:00")),
            ("odt3", .d("1979-05-27T00:32:00.999999+05:30")), ("odt4", .d("1979-05-27 07:32:00z")),
            ("ldt1", .d("1979-05-27T07:32:00")), ("ldt2", .d("1979-05-27t00:32:00.999999")),
            ("ld", .d("1979-05-27")), ("lt1", .d("07:32:00")), ("lt2", .d("00:32:00.999999")),
            ("leap", .d("2000-02-29")), ("second", .d("1990-12-31T23:59:60Z"))))
    }

    func testDateFollowedBySpaceAndComment() throws {
        XCTAssertEqual(try parsePlain("a = 1979-05-27 # birthday\nb = [1979-05-27 , 07:00:00]"),
                       T(("a", .d("1979-05-27")), ("b", .a([.d("1979-05-27"), .d("07:00:00")]))))
    }

    func testInvalidDateTimes() {
        assertTOMLError("a = 1979-13-27", 1, 5, "invalid date-time `1979-13-27`", "month")
        assertTOMLError("a = 2001-02-29", 1, 5, "day must be between 1 and 28")
        assertTOMLError("a = 1979-05-27T25:00:00", 1, 5, "hour")
        assertTOMLError("a = 07:32", 1, 5, "expected `:` after the minute")
        assertTOMLError("a = 1979-05-27T07:32:00+5:00", 1, 5, "offset hour")
        assertTOMLError("a = 1979-05-27T07:32:00.", 1, 5, "digits after the decimal point")
        assertTOMLError("a = 1979-5-27", 1, 5, "month")
        assertTOMLError("a = 07:32:00Z", 1, 5, "unexpected text after the time")
        assertTOMLError("a = 1979-05-27X07:32:00", 1, 5, "expected `T` or a space")
    }
}
