import Foundation
import Repo
import Storage
import XCTest
@testable import Jobs

/// Cadences, read-data rotation, durations and drill expectations: the arithmetic that
/// cron jobs used to do in shell.
final class ScheduleTests: XCTestCase {
    private let calendar: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text + "T03:00:00Z")!
    }

    func testCadencesFollowCalendarPeriods() {
        XCTAssertTrue(Cadence.daily.isDue(last: nil, now: date("2026-12-07"), calendar: calendar))
        XCTAssertFalse(Cadence.daily.isDue(last: date("2026-12-07"), now: date("2026-12-07").addingTimeInterval(3600), calendar: calendar))
        XCTAssertTrue(Cadence.daily.isDue(last: date("2026-12-06"), now: date("2026-12-07"), calendar: calendar))
        // 2026-12-07 is a Monday: a new ISO week.
        XCTAssertTrue(Cadence.weekly.isDue(last: date("2026-12-06"), now: date("2026-12-07"), calendar: calendar))
        XCTAssertFalse(Cadence.weekly.isDue(last: date("2026-12-07"), now: date("2026-12-13"), calendar: calendar))
        XCTAssertTrue(Cadence.monthly.isDue(last: date("2026-11-30"), now: date("2026-12-01"), calendar: calendar))
        XCTAssertFalse(Cadence.monthly.isDue(last: date("2026-12-01"), now: date("2026-12-31"), calendar: calendar))
        XCTAssertTrue(Cadence.always.isDue(last: date("2026-12-07"), now: date("2026-12-07"), calendar: calendar))
        XCTAssertFalse(Cadence.never.isDue(last: nil, now: date("2026-12-07"), calendar: calendar))
        XCTAssertTrue(Cadence.weekly.isDue(last: date("2027-01-01"), now: date("2026-12-07"), calendar: calendar), "a clock set back runs the step")
    }

    func testReadDataRotatesThroughEveryPart() {
        var job = Job(name: "j", repository: "r")
        job.readData = ReadDataSchedule("1/4")!
        var state = JobState()
        var parts: [Int] = []
        for night in 0..<9 {
            let plan = CheckPlan(job: job, repository: "r", state: state, now: date("2026-12-01").addingTimeInterval(Double(night) * 86400))
            parts.append(plan.subset?.part ?? 0)
            plan.record(into: &state)
        }
        XCTAssertEqual(parts, [1, 2, 3, 4, 1, 2, 3, 4, 1])
    }

    func testStructureAndFullReadCadences() {
        var job = Job(name: "j", repository: "r")
        job.readData = .full(.weekly)
        var state = JobState()
        let monday = date("2026-12-07")
        let first = CheckPlan(job: job, repository: "r", state: state, now: monday)
        XCTAssertEqual(first.subset?.readData, .all)
        first.record(into: &state)
        XCTAssertNil(CheckPlan(job: job, repository: "r", state: state, now: monday.addingTimeInterval(60)).subset, "nothing due twice a day")
        let tuesday = CheckPlan(job: job, repository: "r", state: state, now: monday.addingTimeInterval(86400))
        XCTAssertNotNil(tuesday.subset)
        XCTAssertNil(tuesday.subset?.readData, "structure only until next week")
    }

    func testReadDataScheduleParsing() {
        XCTAssertEqual(ReadDataSchedule("1/7"), .rotating(parts: 7))
        XCTAssertEqual(ReadDataSchedule("weekly"), .full(.weekly))
        XCTAssertNil(ReadDataSchedule("0/7"))
        XCTAssertNil(ReadDataSchedule("8/7"))
        XCTAssertNil(ReadDataSchedule("1/0"))
        XCTAssertNil(ReadDataSchedule("sometimes"))
    }

    func testDurations() {
        XCTAssertEqual(TimeSpan.parse("30m"), 1800)
        XCTAssertEqual(TimeSpan.parse("1h30m"), 5400)
        XCTAssertEqual(TimeSpan.parse("0"), 0)
        XCTAssertEqual(TimeSpan.parse("2d"), 172_800)
        XCTAssertNil(TimeSpan.parse("soon"))
        XCTAssertNil(TimeSpan.parse("30"))
        XCTAssertNil(TimeSpan.parse("m"))
        XCTAssertEqual(TimeSpan.describe(5400), "90m")
        XCTAssertEqual(TimeSpan.parse("1.5h"), 5400)
    }

    func testExpectations() {
        XCTAssertTrue(Expectation("> 0")!.isMet(by: "12\n"))
        XCTAssertFalse(Expectation("> 0")!.isMet(by: "0"))
        XCTAssertTrue(Expectation(">= 12")!.isMet(by: "12"))
        XCTAssertTrue(Expectation("= 3")!.isMet(by: "3.0"))
        XCTAssertTrue(Expectation("== 3")!.isMet(by: "3"))
        XCTAssertTrue(Expectation("!= 0")!.isMet(by: "1"))
        XCTAssertTrue(Expectation("<5")!.isMet(by: "4"))
        XCTAssertTrue(Expectation("<= 5")!.isMet(by: "5"))
        XCTAssertFalse(Expectation("> 0")!.isMet(by: "not a number"))
        XCTAssertTrue(Expectation("ok")!.isMet(by: "ok"))
        XCTAssertFalse(Expectation("ok")!.isMet(by: "okay"))
        XCTAssertNil(Expectation(""))
        XCTAssertNil(Expectation("> many"))
    }
}
