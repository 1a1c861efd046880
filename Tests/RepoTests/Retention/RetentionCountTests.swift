import Foundation
@testable import Repo
import Testing

/// The count rules (`keepLast`, `keepHourly` … `keepYearly`) against calendars worked out by
/// hand.
@Suite struct RetentionCountTests {
    typealias F = RetentionFixtures

    /// 400 daily snapshots at 02:00 UTC, 2023-01-01 (a Sunday, ISO 2022-W52) to 2024-02-04
    /// (a Sunday, ISO 2024-W05), with daily 7, weekly 4, monthly 12, yearly 5.
    ///
    /// By hand, newest first:
    /// - daily 7: 2024-02-04 back to 2024-01-29.
    /// - weekly 4: the Sundays closing 2024-W05, W04, W03, W02: 02-04, 01-28, 01-21, 01-14.
    /// - monthly 12: the last day of each month from 2024-02 (02-04, the newest that month)
    ///   back to 2023-03 (03-31).
    /// - yearly 5: 2024 (02-04), 2023 (2023-12-31); only two years have snapshots, so the
    ///   rule has count left at the oldest snapshot, 2023-01-01, which it keeps as well.
    @Test func fourHundredDailySnapshots() {
        let snapshots = F.series(from: "2023-01-01 02:00", every: 86400, count: 400)
        #expect(snapshots.last?.id == "2024-02-04 02:00")
        let policy = RetentionPolicy(keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 5)
        let decisions = policy.decide(snapshots)
        F.expectDecisions(decisions, keep: [
            "2024-02-04 02:00": ["daily 2024-02-04", "weekly 2024-W05", "monthly 2024-02", "yearly 2024"],
            "2024-02-03 02:00": ["daily 2024-02-03"],
            "2024-02-02 02:00": ["daily 2024-02-02"],
            "2024-02-01 02:00": ["daily 2024-02-01"],
            "2024-01-31 02:00": ["daily 2024-01-31", "monthly 2024-01"],
            "2024-01-30 02:00": ["daily 2024-01-30"],
            "2024-01-29 02:00": ["daily 2024-01-29"],
            "2024-01-28 02:00": ["weekly 2024-W04"],
            "2024-01-21 02:00": ["weekly 2024-W03"],
            "2024-01-14 02:00": ["weekly 2024-W02"],
            "2023-12-31 02:00": ["monthly 2023-12", "yearly 2023"],
            "2023-11-30 02:00": ["monthly 2023-11"],
            "2023-10-31 02:00": ["monthly 2023-10"],
            "2023-09-30 02:00": ["monthly 2023-09"],
            "2023-08-31 02:00": ["monthly 2023-08"],
            "2023-07-31 02:00": ["monthly 2023-07"],
            "2023-06-30 02:00": ["monthly 2023-06"],
            "2023-05-31 02:00": ["monthly 2023-05"],
            "2023-04-30 02:00": ["monthly 2023-04"],
            "2023-03-31 02:00": ["monthly 2023-03"],
            "2023-01-01 02:00": ["oldest yearly 2023"],
        ])
        #expect(decisions.count == 400)
        #expect(decisions.filter(\.keep).count == 21)
        #expect(decisions.first?.snapshot.id == "2024-02-04 02:00", "decisions come newest first")
    }

    /// 3 snapshots an hour (at :10, :30, :50) for the 48 hours of 2024-07-01 and 07-02 UTC,
    /// with last 5 and hourly 24. The newest five are kept as last; the hourly rule keeps
    /// each hour's :50 snapshot from 07-02 23h back to 07-02 00h, counting 23h and 22h too
    /// although they are also kept as last; nothing of 07-01 is kept.
    @Test func hourlyBursts() {
        let snapshots = (0..<48).flatMap { hour in
            [10, 30, 50].map { minute in
                F.snapshot(at: F.date("2024-07-01 00:00").addingTimeInterval(Double(hour * 3600 + minute * 60)))
            }
        }
        let decisions = RetentionPolicy(keepLast: 5, keepHourly: 24).decide(snapshots)
        F.expectDecisions(decisions, keep: [
            "2024-07-02 23:50": ["last snapshot", "hourly 2024-07-02 23h"],
            "2024-07-02 23:30": ["last snapshot"],
            "2024-07-02 23:10": ["last snapshot"],
            "2024-07-02 22:50": ["last snapshot", "hourly 2024-07-02 22h"],
            "2024-07-02 22:30": ["last snapshot"],
            "2024-07-02 21:50": ["hourly 2024-07-02 21h"],
            "2024-07-02 20:50": ["hourly 2024-07-02 20h"],
            "2024-07-02 19:50": ["hourly 2024-07-02 19h"],
            "2024-07-02 18:50": ["hourly 2024-07-02 18h"],
            "2024-07-02 17:50": ["hourly 2024-07-02 17h"],
            "2024-07-02 16:50": ["hourly 2024-07-02 16h"],
            "2024-07-02 15:50": ["hourly 2024-07-02 15h"],
            "2024-07-02 14:50": ["hourly 2024-07-02 14h"],
            "2024-07-02 13:50": ["hourly 2024-07-02 13h"],
            "2024-07-02 12:50": ["hourly 2024-07-02 12h"],
            "2024-07-02 11:50": ["hourly 2024-07-02 11h"],
            "2024-07-02 10:50": ["hourly 2024-07-02 10h"],
            "2024-07-02 09:50": ["hourly 2024-07-02 09h"],
            "2024-07-02 08:50": ["hourly 2024-07-02 08h"],
            "2024-07-02 07:50": ["hourly 2024-07-02 07h"],
            "2024-07-02 06:50": ["hourly 2024-07-02 06h"],
            "2024-07-02 05:50": ["hourly 2024-07-02 05h"],
            "2024-07-02 04:50": ["hourly 2024-07-02 04h"],
            "2024-07-02 03:50": ["hourly 2024-07-02 03h"],
            "2024-07-02 02:50": ["hourly 2024-07-02 02h"],
            "2024-07-02 01:50": ["hourly 2024-07-02 01h"],
            "2024-07-02 00:50": ["hourly 2024-07-02 00h"],
        ])
        #expect(decisions.count == 144)
    }

    /// Only periods that have snapshots count: months without backups do not use up
    /// `keepMonthly`.
    @Test func gapsDoNotUseUpCounts() {
        let snapshots = ["2024-01-10 08:00", "2024-03-15 08:00", "2024-07-01 08:00"].map { F.snapshot(at: $0) }
        F.expectDecisions(RetentionPolicy(keepMonthly: 3).decide(snapshots), keep: [
            "2024-07-01 08:00": ["monthly 2024-07"],
            "2024-03-15 08:00": ["monthly 2024-03"],
            "2024-01-10 08:00": ["monthly 2024-01"],
        ])
        F.expectDecisions(RetentionPolicy(keepMonthly: 2).decide(snapshots), keep: [
            "2024-07-01 08:00": ["monthly 2024-07"],
            "2024-03-15 08:00": ["monthly 2024-03"],
        ])
    }

    /// The newest snapshot of a day is the day's; a later snapshot of the same day would
    /// have replaced it. With count left at the group's oldest snapshot, it is kept too.
    @Test func newestOfTheDayAndOldestWhileCountIsLeft() {
        let snapshots = ["2024-07-01 06:00", "2024-07-01 12:00", "2024-07-01 18:00"].map { F.snapshot(at: $0) }
        F.expectDecisions(RetentionPolicy(keepDaily: 7).decide(snapshots), keep: [
            "2024-07-01 18:00": ["daily 2024-07-01"],
            "2024-07-01 06:00": ["oldest daily 2024-07-01"],
        ])
        F.expectDecisions(RetentionPolicy(keepDaily: 1).decide(snapshots), keep: [
            "2024-07-01 18:00": ["daily 2024-07-01"],
        ])
    }

    /// Snapshots taken at the same instant are distinct snapshots, ordered by id whatever
    /// order they come in.
    @Test func snapshotsAtTheSameTimeAreDistinct() {
        let time = F.date("2024-07-01 12:00")
        let snapshots = ["c", "a", "b"].map { F.snapshot(at: time, id: $0) }
        for input in [snapshots, snapshots.reversed()] {
            let decisions = RetentionPolicy(keepLast: 2).decide(input)
            #expect(decisions.map(\.snapshot.id) == ["a", "b", "c"])
            F.expectDecisions(decisions, keep: ["a": ["last snapshot"], "b": ["last snapshot"]])
            F.expectDecisions(RetentionPolicy(keepDaily: 1).decide(input), keep: ["a": ["daily 2024-07-01"]])
        }
    }

    /// A negative count is unlimited: the newest snapshot of every day (and, as the rule
    /// never runs out, the oldest snapshot).
    @Test func unlimitedCount() {
        let snapshots = ["2024-07-01 06:00", "2024-07-01 18:00", "2024-07-02 06:00", "2024-07-02 18:00",
                         "2024-07-03 06:00", "2024-07-03 18:00"].map { F.snapshot(at: $0) }
        let policy = RetentionPolicy(keepDaily: RetentionPolicy.unlimited)
        F.expectDecisions(policy.decide(snapshots), keep: [
            "2024-07-03 18:00": ["daily 2024-07-03"],
            "2024-07-02 18:00": ["daily 2024-07-02"],
            "2024-07-01 18:00": ["daily 2024-07-01"],
            "2024-07-01 06:00": ["oldest daily 2024-07-01"],
        ])
        F.expectDecisions(RetentionPolicy(keepLast: -1).decide(snapshots), keep: Dictionary(
            uniqueKeysWithValues: snapshots.map { ($0.id, ["last snapshot"]) }))
    }

    /// Every rule sees every snapshot; reasons come in policy order: last, hourly, daily,
    /// weekly, monthly, yearly, within, within-periods, tags.
    @Test func reasonsComeInPolicyOrder() {
        let snapshot = F.snapshot(at: "2024-07-01 13:45", tags: ["nightly"])
        let policy = RetentionPolicy(keepLast: 1, keepHourly: 1, keepDaily: 1, keepWeekly: 1, keepMonthly: 1,
                                     keepYearly: 1, keepWithin: RetentionDuration(days: 30),
                                     keepWithinHourly: RetentionDuration(hours: 12),
                                     keepWithinDaily: RetentionDuration(weeks: 2),
                                     keepWithinWeekly: RetentionDuration(months: 1),
                                     keepWithinMonthly: RetentionDuration(years: 1),
                                     keepWithinYearly: RetentionDuration(years: 5), keepTags: ["nightly"])
        F.expectDecisions(policy.decide([snapshot]), keep: [
            "2024-07-01 13:45": [
                "last snapshot", "hourly 2024-07-01 13h", "daily 2024-07-01", "weekly 2024-W27", "monthly 2024-07",
                "yearly 2024", "within 30d", "hourly 2024-07-01 13h within 12h", "daily 2024-07-01 within 2w",
                "weekly 2024-W27 within 1m", "monthly 2024-07 within 1y", "yearly 2024 within 5y", "tag nightly",
            ],
        ])
    }

    /// Restic keeps everything under an empty policy rather than nothing; so does `apply`,
    /// and `isEmpty` lets the caller refuse first.
    @Test func emptyPolicyKeepsEverything() {
        let snapshots = F.series(from: "2024-07-01 00:00", every: 3600, count: 3)
        for policy in [RetentionPolicy(), RetentionPolicy(keepLast: 0, keepDaily: 0, keepWithin: RetentionDuration())] {
            #expect(policy.isEmpty)
            #expect(policy.description == "nothing")
            let decisions = policy.decide(snapshots)
            #expect(decisions.allSatisfy { $0.keep && $0.reasons == ["policy is empty"] })
            #expect(decisions.count == 3)
        }
        #expect(!RetentionPolicy(keepLast: 1).isEmpty)
        #expect(!RetentionPolicy(keepYearly: -1).isEmpty)
        #expect(!RetentionPolicy(keepWithinMonthly: RetentionDuration(hours: 1)).isEmpty)
        #expect(!RetentionPolicy(keepTags: ["x"]).isEmpty)
        #expect(RetentionPolicy(keepLast: 1).decide([]).isEmpty)
    }

    @Test func policyDescription() {
        let policy = RetentionPolicy(keepLast: 5, keepDaily: 7, keepMonthly: -1, keepWithin: try! RetentionDuration(parsing: "1y6m"),
                                     keepWithinDaily: RetentionDuration(days: 30), keepTags: ["nightly", "manual"])
        #expect(policy.description == "last 5, daily 7, monthly unlimited, within 1y6m, daily within 30d, tags [nightly, manual]")
    }
}
