import Foundation
import XCTest
@testable import Jobs

/// The cron next-run calculator against known answers, and cron fields read and rejected.
final class ScheduleCronTests: XCTestCase {
    private let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private func time(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    private func next(_ fields: String, after: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        guard let schedule = CronSchedule(fields) else {
            XCTFail("\(fields) did not parse", file: file, line: line)
            return nil
        }
        return schedule.next(after: time(after), calendar: utc).map { ISO8601DateFormatter().string(from: $0) }
    }

    func testKnownAnswers() {
        // 2026-12-07 is a Monday.
        XCTAssertEqual(next("0 3 * * *", after: "2026-12-07T02:59:00Z"), "2026-12-07T03:00:00Z")
        XCTAssertEqual(next("0 3 * * *", after: "2026-12-07T03:00:00Z"), "2026-12-08T03:00:00Z", "strictly after")
        XCTAssertEqual(next("0 */6 * * *", after: "2026-12-07T07:10:00Z"), "2026-12-07T12:00:00Z")
        XCTAssertEqual(next("0 */6 * * *", after: "2026-12-07T18:00:00Z"), "2026-12-08T00:00:00Z")
        XCTAssertEqual(next("*/15 * * * *", after: "2026-12-07T07:14:59Z"), "2026-12-07T07:15:00Z")
        XCTAssertEqual(next("0 4 * * 0", after: "2026-12-07T07:00:00Z"), "2026-12-13T04:00:00Z", "the next Sunday")
        XCTAssertEqual(next("0 4 * * 7", after: "2026-12-07T07:00:00Z"), "2026-12-13T04:00:00Z", "7 is Sunday too")
        XCTAssertEqual(next("30 2 * * 1-5", after: "2026-12-11T03:00:00Z"), "2026-12-14T02:30:00Z", "Friday to Monday")
        // Month ends: the 31st skips the months without one; 1st of the month across a year.
        XCTAssertEqual(next("0 4 31 * *", after: "2026-11-01T00:00:00Z"), "2026-12-31T04:00:00Z")
        XCTAssertEqual(next("0 4 31 * *", after: "2026-12-31T05:00:00Z"), "2027-01-31T04:00:00Z")
        XCTAssertEqual(next("0 4 31 * *", after: "2027-01-31T05:00:00Z"), "2027-03-31T04:00:00Z", "no 31 February")
        XCTAssertEqual(next("0 4 1 * *", after: "2026-12-07T00:00:00Z"), "2027-01-01T04:00:00Z")
        XCTAssertEqual(next("0 0 29 2 *", after: "2026-03-01T00:00:00Z"), "2028-02-29T00:00:00Z", "leap day")
        // Both day fields restricted: either matches (the 15th, or a Friday).
        XCTAssertEqual(next("0 0 15 * 5", after: "2026-12-07T00:00:00Z"), "2026-12-11T00:00:00Z")
        XCTAssertEqual(next("0 0 15 * 5", after: "2026-12-12T00:00:00Z"), "2026-12-15T00:00:00Z")
        XCTAssertEqual(next("5-10/5 1,13 * * *", after: "2026-12-07T01:06:00Z"), "2026-12-07T01:10:00Z")
        XCTAssertNil(next("0 0 31 2 *", after: "2026-01-01T00:00:00Z"), "never")
    }

    func testFieldsAreChecked() {
        for bad in ["0 3 * *", "60 3 * * *", "0 24 * * *", "0 3 0 * *", "0 3 * 13 *", "0 3 * * 8", "*/0 * * * *", "a * * * *", "5-1 * * * *"] {
            XCTAssertNil(CronSchedule(bad), bad)
        }
        XCTAssertEqual(CronSchedule("0  3 * *\t*")?.description, "0 3 * * *")
    }
}
