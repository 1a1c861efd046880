import Foundation
@testable import Repo
import Testing

/// `keepWithin`, `keepWithin<Period>` and `keepTags`.
///
/// Windows are anchored at the newest snapshot of the group (not at `now`) and exclude
/// their boundary: a snapshot exactly the duration older than the newest is removed, one a
/// second younger is kept.
@Suite struct RetentionWithinTests {
    typealias F = RetentionFixtures

    /// Newest 2024-07-31 12:00Z; 30 days back is 2024-07-01 12:00Z.
    @Test func withinThirtyDaysExcludesTheBoundary() {
        let snapshots = ["2024-06-15 12:00", "2024-07-01 11:59:59", "2024-07-01 12:00", "2024-07-01 12:00:01",
                         "2024-07-20 00:00", "2024-07-31 12:00"].map { F.snapshot(at: $0) }
        F.expectDecisions(RetentionPolicy(keepWithin: duration("30d")).decide(snapshots), keep: [
            "2024-07-31 12:00": ["within 30d"],
            "2024-07-20 00:00": ["within 30d"],
            "2024-07-01 12:00:01": ["within 30d"],
        ])
    }

    /// Newest 2024-07-15 12:00Z; a year and six months back is 2023-01-15 12:00Z.
    @Test func withinOneYearSixMonths() {
        let snapshots = ["2023-01-15 11:59:59", "2023-01-15 12:00", "2023-01-15 12:00:01", "2023-06-01 00:00",
                         "2024-07-15 12:00"].map { F.snapshot(at: $0) }
        F.expectDecisions(RetentionPolicy(keepWithin: duration("1y6m")).decide(snapshots), keep: [
            "2024-07-15 12:00": ["within 1y6m"],
            "2023-06-01 00:00": ["within 1y6m"],
            "2023-01-15 12:00:01": ["within 1y6m"],
        ])
    }

    /// Months step through the calendar and clamp: six months before 2024-08-31 is
    /// 2024-02-29 (restic, through Go's AddDate, would say 2024-03-02).
    @Test func monthsClampToTheShorterMonth() {
        let snapshots = ["2024-02-29 12:00", "2024-02-29 12:00:01", "2024-08-31 12:00"].map { F.snapshot(at: $0) }
        F.expectDecisions(RetentionPolicy(keepWithin: duration("6m")).decide(snapshots), keep: [
            "2024-08-31 12:00": ["within 6m"],
            "2024-02-29 12:00:01": ["within 6m"],
        ])
    }

    /// Days are calendar days of the time zone: one day before 2024-03-31 12:00 CEST is
    /// 2024-03-30 12:00 CET, only 23 hours earlier; in UTC it is 24 hours. Hours are exact.
    @Test func daysFollowTheTimeZoneHoursAreExact() {
        let snapshots = ["2024-03-30 10:30", "2024-03-30 11:30", "2024-03-31 10:00"].map { F.snapshot(at: $0) }
        F.expectDecisions(RetentionPolicy(keepWithin: duration("1d")).decide(snapshots, in: F.utc), keep: [
            "2024-03-31 10:00": ["within 1d"],
            "2024-03-30 11:30": ["within 1d"],
            "2024-03-30 10:30": ["within 1d"],
        ])
        F.expectDecisions(RetentionPolicy(keepWithin: duration("1d")).decide(snapshots, in: F.berlin), keep: [
            "2024-03-31 10:00": ["within 1d"],
            "2024-03-30 11:30": ["within 1d"],
        ])
        F.expectDecisions(RetentionPolicy(keepWithin: duration("24h")).decide(snapshots, in: F.berlin), keep: [
            "2024-03-31 10:00": ["within 24h"],
            "2024-03-30 11:30": ["within 24h"],
            "2024-03-30 10:30": ["within 24h"],
        ])
    }

    /// Backups that stopped long ago still keep their window: the anchor is the newest
    /// snapshot, whatever `now` is.
    @Test func windowIsAnchoredAtTheNewestSnapshot() {
        let snapshots = ["2020-01-01 00:00", "2020-01-20 00:00", "2020-02-01 00:00"].map { F.snapshot(at: $0) }
        let policy = RetentionPolicy(keepWithin: duration("2w"))
        for now in ["2020-02-01 00:00", "2025-06-01 00:00"].map(F.date) {
            F.expectDecisions(policy.apply(to: snapshots, now: now, timeZone: F.utc), keep: [
                "2020-02-01 00:00": ["within 2w"],
                "2020-01-20 00:00": ["within 2w"],
            ])
        }
    }

    /// Three snapshots a day (06:00, 12:00, 18:00 UTC) from 07-01 to 07-10, keep-within-daily
    /// 7d: the window starts (exclusive) at 07-03 18:00, so the 18:00 snapshots of 07-04 to
    /// 07-10 are kept, one per day, and nothing before. Keep-within 7d keeps every snapshot
    /// after 07-03 18:00.
    @Test func withinDaily() {
        let snapshots = F.series(from: "2024-07-01 06:00", every: 86400, count: 10)
            + F.series(from: "2024-07-01 12:00", every: 86400, count: 10)
            + F.series(from: "2024-07-01 18:00", every: 86400, count: 10)
        F.expectDecisions(RetentionPolicy(keepWithinDaily: duration("7d")).decide(snapshots), keep: [
            "2024-07-10 18:00": ["daily 2024-07-10 within 7d"],
            "2024-07-09 18:00": ["daily 2024-07-09 within 7d"],
            "2024-07-08 18:00": ["daily 2024-07-08 within 7d"],
            "2024-07-07 18:00": ["daily 2024-07-07 within 7d"],
            "2024-07-06 18:00": ["daily 2024-07-06 within 7d"],
            "2024-07-05 18:00": ["daily 2024-07-05 within 7d"],
            "2024-07-04 18:00": ["daily 2024-07-04 within 7d"],
        ])
        let within = RetentionPolicy(keepWithin: duration("7d")).decide(snapshots)
        #expect(within.filter(\.keep).map(\.snapshot.id).sorted() == snapshots.map(\.id).filter { $0 > "2024-07-03 18:00" }.sorted())
        #expect(within.filter(\.keep).count == 21)
    }

    /// Newest 2024-07-01 09:00Z (Monday, 2024-W27). Three weeks back is 06-10 09:00, so
    /// 06-10 10:00 (2024-W24) is inside and the earlier 2024-W23 snapshots are not. A year
    /// reaches everything, and the within-period rules also keep the group's oldest snapshot
    /// when the window reaches it, as restic does.
    @Test func withinPeriodsAndTheOldestSnapshot() {
        let snapshots = ["2024-06-03 09:00", "2024-06-09 09:00", "2024-06-10 10:00", "2024-06-30 09:00",
                         "2024-07-01 09:00"].map { F.snapshot(at: $0) }
        F.expectDecisions(RetentionPolicy(keepWithinWeekly: duration("3w")).decide(snapshots), keep: [
            "2024-07-01 09:00": ["weekly 2024-W27 within 3w"],
            "2024-06-30 09:00": ["weekly 2024-W26 within 3w"],
            "2024-06-10 10:00": ["weekly 2024-W24 within 3w"],
        ])
        F.expectDecisions(RetentionPolicy(keepWithinMonthly: duration("1y")).decide(snapshots), keep: [
            "2024-07-01 09:00": ["monthly 2024-07 within 1y"],
            "2024-06-30 09:00": ["monthly 2024-06 within 1y"],
            "2024-06-03 09:00": ["oldest monthly 2024-06 within 1y"],
        ])
    }

    /// A snapshot with any of the tags is kept, whatever its age; tags use up no counts.
    @Test func keepTags() {
        let snapshots = [
            F.snapshot(at: "2024-01-01 00:00", tags: ["manual"]),
            F.snapshot(at: "2024-02-01 00:00", tags: ["nightly", "manual"]),
            F.snapshot(at: "2024-03-01 00:00", tags: ["Nightly"]),
            F.snapshot(at: "2024-04-01 00:00", tags: ["nightly"]),
            F.snapshot(at: "2024-05-01 00:00"),
            F.snapshot(at: "2024-06-01 00:00", tags: ["nightly"]),
        ]
        let policy = RetentionPolicy(keepLast: 2, keepTags: ["nightly", "manual", "nightly"])
        F.expectDecisions(policy.decide(snapshots), keep: [
            "2024-06-01 00:00": ["last snapshot", "tag nightly"],
            "2024-05-01 00:00": ["last snapshot"],
            "2024-04-01 00:00": ["tag nightly"],
            "2024-02-01 00:00": ["tag nightly", "tag manual"],
            "2024-01-01 00:00": ["tag manual"],
        ])
    }

    private func duration(_ text: String) -> RetentionDuration { try! RetentionDuration(parsing: text) }
}
