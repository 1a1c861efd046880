import Foundation
@testable import Repo
import Testing

/// Weekly buckets are ISO 8601 weeks, whose year is not always the calendar year.
@Suite struct RetentionISOWeekTests {
    typealias F = RetentionFixtures

    /// 2020-12-27 (Sunday) closes 2020-W52; 2020-12-28 (Monday), 2020-12-31 (Thursday) and
    /// 2021-01-03 (Sunday) are all 2020-W53; 2021-01-04 (Monday) opens 2021-W01. With weekly
    /// 3 and yearly 2: weekly keeps 01-04 (2021-W01), 01-03 (newest of 2020-W53) and 12-27
    /// (2020-W52); yearly keeps 01-04 (2021) and 12-31 (newest of calendar 2020), although
    /// 12-31 is not the newest of its ISO week.
    @Test func weekFiftyThreeSpansTheNewYear() {
        let snapshots = ["2020-12-27 12:00", "2020-12-28 12:00", "2020-12-31 12:00", "2021-01-03 12:00", "2021-01-04 12:00"]
            .map { F.snapshot(at: $0) }
        F.expectDecisions(RetentionPolicy(keepWeekly: 3, keepYearly: 2).decide(snapshots), keep: [
            "2021-01-04 12:00": ["weekly 2021-W01", "yearly 2021"],
            "2021-01-03 12:00": ["weekly 2020-W53"],
            "2020-12-31 12:00": ["yearly 2020"],
            "2020-12-27 12:00": ["weekly 2020-W52"],
        ])
    }

    /// More week-year edges: 2024-12-29 (Sunday) is 2024-W52 but 2024-12-30 (Monday) is
    /// 2025-W01; 2027-01-01 (Friday) is 2026-W53 and 2027-01-04 (Monday) 2027-W01.
    @Test func weekYearDiffersFromCalendarYear() {
        let snapshots = ["2024-12-29 12:00", "2024-12-30 12:00", "2027-01-01 12:00", "2027-01-04 12:00"]
            .map { F.snapshot(at: $0) }
        F.expectDecisions(RetentionPolicy(keepWeekly: 4).decide(snapshots), keep: [
            "2027-01-04 12:00": ["weekly 2027-W01"],
            "2027-01-01 12:00": ["weekly 2026-W53"],
            "2024-12-30 12:00": ["weekly 2025-W01"],
            "2024-12-29 12:00": ["weekly 2024-W52"],
        ])
    }

    /// Sunday 2021-01-03 23:30Z is in 2020-W53 in UTC but Monday 00:30 of 2021-W01 in Berlin,
    /// where it shares a week with 2021-01-04 12:00Z.
    @Test func weekEdgeDependsOnTheTimeZone() {
        let snapshots = ["2021-01-03 12:00", "2021-01-03 23:30", "2021-01-04 12:00"].map { F.snapshot(at: $0) }
        let policy = RetentionPolicy(keepWeekly: 2)
        F.expectDecisions(policy.decide(snapshots, in: F.utc), keep: [
            "2021-01-04 12:00": ["weekly 2021-W01"],
            "2021-01-03 23:30": ["weekly 2020-W53"],
        ])
        F.expectDecisions(policy.decide(snapshots, in: F.berlin), keep: [
            "2021-01-04 12:00": ["weekly 2021-W01"],
            "2021-01-03 12:00": ["weekly 2020-W53"],
        ])
    }
}
