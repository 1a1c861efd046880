import Foundation
@testable import Repo
import Testing

/// Buckets are periods of the time zone the policy is applied in: the same snapshots fall
/// into different days in UTC, New York and Berlin, and daylight saving changes neither
/// crash nor merge hours.
@Suite struct RetentionTimeZoneTests {
    typealias F = RetentionFixtures

    /// 2024-06-30 12:00Z, 2024-07-01 12:00Z, 23:30Z and 2024-07-02 00:30Z with daily 2.
    /// - UTC: 00:30Z is 07-02, 23:30Z is the newest of 07-01.
    /// - New York (EDT, UTC−4): 00:30Z is 07-01 20:30, and 23:30Z and 12:00Z fall on 07-01
    ///   too; the second day is 06-30 (08:00 there).
    /// - Berlin (CEST, UTC+2): 00:30Z and 23:30Z are 02:30 and 01:30 on 07-02; the second day
    ///   is 07-01 (12:00Z is 14:00 there).
    @Test func dailyBucketsDependOnTheTimeZone() {
        let snapshots = ["2024-06-30 12:00", "2024-07-01 12:00", "2024-07-01 23:30", "2024-07-02 00:30"]
            .map { F.snapshot(at: $0) }
        let policy = RetentionPolicy(keepDaily: 2)
        F.expectDecisions(policy.decide(snapshots, in: F.utc), keep: [
            "2024-07-02 00:30": ["daily 2024-07-02"],
            "2024-07-01 23:30": ["daily 2024-07-01"],
        ])
        F.expectDecisions(policy.decide(snapshots, in: F.newYork), keep: [
            "2024-07-02 00:30": ["daily 2024-07-01"],
            "2024-06-30 12:00": ["daily 2024-06-30"],
        ])
        F.expectDecisions(policy.decide(snapshots, in: F.berlin), keep: [
            "2024-07-02 00:30": ["daily 2024-07-02"],
            "2024-07-01 12:00": ["daily 2024-07-01"],
        ])
    }

    /// Month, year and hour labels move with the zone as well: 2023-12-31 23:30Z is still
    /// 2023 in New York and already 2024 in Berlin.
    @Test func monthYearAndHourBucketsDependOnTheTimeZone() {
        let snapshots = [F.snapshot(at: "2023-12-31 23:30")]
        let policy = RetentionPolicy(keepHourly: 1, keepDaily: 1, keepMonthly: 1, keepYearly: 1)
        F.expectDecisions(policy.decide(snapshots, in: F.utc), keep: [
            "2023-12-31 23:30": ["hourly 2023-12-31 23h", "daily 2023-12-31", "monthly 2023-12", "yearly 2023"],
        ])
        F.expectDecisions(policy.decide(snapshots, in: F.newYork), keep: [
            "2023-12-31 23:30": ["hourly 2023-12-31 18h", "daily 2023-12-31", "monthly 2023-12", "yearly 2023"],
        ])
        F.expectDecisions(policy.decide(snapshots, in: F.berlin), keep: [
            "2023-12-31 23:30": ["hourly 2024-01-01 00h", "daily 2024-01-01", "monthly 2024-01", "yearly 2024"],
        ])
    }

    /// Europe/Berlin, Sunday 2024-03-31: clocks jump from 02:00 CET to 03:00 CEST (at 01:00Z),
    /// so the day has 23 hours and no 02h. Snapshots every hour at :15 UTC from
    /// 2024-03-30 21:15Z (22:15 CET) to 2024-03-31 22:15Z (00:15 CEST on 04-01), with hourly
    /// 24 and daily 3.
    ///
    /// Hourly: 04-01 00h, then the 23 hours of 03-31 (23h … 03h, 01h, 00h), which reaches 24
    /// at 2024-03-30 23:15Z (00:15 local). Daily: 04-01, 03-31 (its newest is 21:15Z, 23:15
    /// local), 03-30 (22:15Z, 23:15 local). Only 2024-03-30 21:15Z is removed.
    @Test func springForwardInBerlin() {
        let snapshots = F.series(from: "2024-03-30 21:15", every: 3600, count: 26)
        let decisions = RetentionPolicy(keepHourly: 24, keepDaily: 3).decide(snapshots, in: F.berlin)
        F.expectDecisions(decisions, keep: [
            "2024-03-31 22:15": ["hourly 2024-04-01 00h", "daily 2024-04-01"],
            "2024-03-31 21:15": ["hourly 2024-03-31 23h", "daily 2024-03-31"],
            "2024-03-31 20:15": ["hourly 2024-03-31 22h"],
            "2024-03-31 19:15": ["hourly 2024-03-31 21h"],
            "2024-03-31 18:15": ["hourly 2024-03-31 20h"],
            "2024-03-31 17:15": ["hourly 2024-03-31 19h"],
            "2024-03-31 16:15": ["hourly 2024-03-31 18h"],
            "2024-03-31 15:15": ["hourly 2024-03-31 17h"],
            "2024-03-31 14:15": ["hourly 2024-03-31 16h"],
            "2024-03-31 13:15": ["hourly 2024-03-31 15h"],
            "2024-03-31 12:15": ["hourly 2024-03-31 14h"],
            "2024-03-31 11:15": ["hourly 2024-03-31 13h"],
            "2024-03-31 10:15": ["hourly 2024-03-31 12h"],
            "2024-03-31 09:15": ["hourly 2024-03-31 11h"],
            "2024-03-31 08:15": ["hourly 2024-03-31 10h"],
            "2024-03-31 07:15": ["hourly 2024-03-31 09h"],
            "2024-03-31 06:15": ["hourly 2024-03-31 08h"],
            "2024-03-31 05:15": ["hourly 2024-03-31 07h"],
            "2024-03-31 04:15": ["hourly 2024-03-31 06h"],
            "2024-03-31 03:15": ["hourly 2024-03-31 05h"],
            "2024-03-31 02:15": ["hourly 2024-03-31 04h"],
            "2024-03-31 01:15": ["hourly 2024-03-31 03h"],
            "2024-03-31 00:15": ["hourly 2024-03-31 01h"],
            "2024-03-30 23:15": ["hourly 2024-03-31 00h"],
            "2024-03-30 22:15": ["daily 2024-03-30"],
        ])
        let hourLabels = hourlyLabels(decisions)
        #expect(Set(hourLabels).count == hourLabels.count, "duplicate hourly buckets: \(hourLabels)")
        #expect(hourLabels.filter { $0.hasPrefix("hourly 2024-03-31 ") }.count == 23)
    }

    /// Europe/Berlin, Sunday 2024-10-27: clocks go back from 03:00 CEST to 02:00 CET (at
    /// 01:00Z), so the day has 25 hours and 02h twice. Snapshots every hour at :15 UTC from
    /// 2024-10-26 20:15Z (22:15 CEST) to 2024-10-27 23:15Z (00:15 CET on 10-28), with
    /// hourly 26 and daily 3.
    ///
    /// Hourly: 10-28 00h, then all 25 hours of 10-27, the repeated 02h as two buckets told
    /// apart by offset (00:15Z is 02:15 +02:00, 01:15Z is 02:15 +01:00), which reaches 26 at
    /// 2024-10-26 22:15Z (00:15 local). Daily: 10-28, 10-27 (22:15Z, 23:15 local), 10-26
    /// (21:15Z, 23:15 local). Only 2024-10-26 20:15Z is removed.
    @Test func fallBackInBerlin() {
        let snapshots = F.series(from: "2024-10-26 20:15", every: 3600, count: 28)
        let decisions = RetentionPolicy(keepHourly: 26, keepDaily: 3).decide(snapshots, in: F.berlin)
        F.expectDecisions(decisions, keep: [
            "2024-10-27 23:15": ["hourly 2024-10-28 00h", "daily 2024-10-28"],
            "2024-10-27 22:15": ["hourly 2024-10-27 23h", "daily 2024-10-27"],
            "2024-10-27 21:15": ["hourly 2024-10-27 22h"],
            "2024-10-27 20:15": ["hourly 2024-10-27 21h"],
            "2024-10-27 19:15": ["hourly 2024-10-27 20h"],
            "2024-10-27 18:15": ["hourly 2024-10-27 19h"],
            "2024-10-27 17:15": ["hourly 2024-10-27 18h"],
            "2024-10-27 16:15": ["hourly 2024-10-27 17h"],
            "2024-10-27 15:15": ["hourly 2024-10-27 16h"],
            "2024-10-27 14:15": ["hourly 2024-10-27 15h"],
            "2024-10-27 13:15": ["hourly 2024-10-27 14h"],
            "2024-10-27 12:15": ["hourly 2024-10-27 13h"],
            "2024-10-27 11:15": ["hourly 2024-10-27 12h"],
            "2024-10-27 10:15": ["hourly 2024-10-27 11h"],
            "2024-10-27 09:15": ["hourly 2024-10-27 10h"],
            "2024-10-27 08:15": ["hourly 2024-10-27 09h"],
            "2024-10-27 07:15": ["hourly 2024-10-27 08h"],
            "2024-10-27 06:15": ["hourly 2024-10-27 07h"],
            "2024-10-27 05:15": ["hourly 2024-10-27 06h"],
            "2024-10-27 04:15": ["hourly 2024-10-27 05h"],
            "2024-10-27 03:15": ["hourly 2024-10-27 04h"],
            "2024-10-27 02:15": ["hourly 2024-10-27 03h"],
            "2024-10-27 01:15": ["hourly 2024-10-27 02h +01:00"],
            "2024-10-27 00:15": ["hourly 2024-10-27 02h +02:00"],
            "2024-10-26 23:15": ["hourly 2024-10-27 01h"],
            "2024-10-26 22:15": ["hourly 2024-10-27 00h"],
            "2024-10-26 21:15": ["daily 2024-10-26"],
        ])
        let hourLabels = hourlyLabels(decisions)
        #expect(Set(hourLabels).count == hourLabels.count, "duplicate hourly buckets: \(hourLabels)")
        #expect(hourLabels.filter { $0.hasPrefix("hourly 2024-10-27 ") }.count == 25)
    }

    /// In the repeated hour, several snapshots per half hour: each occurrence of 02h keeps
    /// its own newest snapshot.
    @Test func repeatedWallHourKeepsOnePerRealHour() {
        // 23:50Z (01:50 CEST) to 01:40Z (02:40 CET) every ten minutes.
        let snapshots = F.series(from: "2024-10-26 23:50", every: 600, count: 12)
        F.expectDecisions(RetentionPolicy(keepHourly: 3).decide(snapshots, in: F.berlin), keep: [
            "2024-10-27 01:40": ["hourly 2024-10-27 02h +01:00"],
            "2024-10-27 00:50": ["hourly 2024-10-27 02h +02:00"],
            "2024-10-26 23:50": ["hourly 2024-10-27 01h"],
        ])
        // In UTC the same snapshots are three ordinary hours.
        F.expectDecisions(RetentionPolicy(keepHourly: 3).decide(snapshots, in: F.utc), keep: [
            "2024-10-27 01:40": ["hourly 2024-10-27 01h"],
            "2024-10-27 00:50": ["hourly 2024-10-27 00h"],
            "2024-10-26 23:50": ["hourly 2024-10-26 23h"],
        ])
    }

    /// New York falls back at 06:00Z on 2024-11-03 (02:00 EDT to 01:00 EST): a day of 25
    /// hours whose 01h repeats, and the daily rule sees one day.
    @Test func fallBackInNewYork() {
        let snapshots = ["2024-11-03 05:30", "2024-11-03 06:30", "2024-11-03 07:30"].map { F.snapshot(at: $0) }
        F.expectDecisions(RetentionPolicy(keepHourly: 3, keepDaily: 1).decide(snapshots, in: F.newYork), keep: [
            "2024-11-03 07:30": ["hourly 2024-11-03 02h", "daily 2024-11-03"],
            "2024-11-03 06:30": ["hourly 2024-11-03 01h -05:00"],
            "2024-11-03 05:30": ["hourly 2024-11-03 01h -04:00"],
        ])
    }

    /// Every hour through both 2024 changes in Berlin: each day is one bucket whatever its
    /// length (23 snapshots on 03-31, 25 on 10-27). With daily 3 and only two days, the
    /// next day's first snapshot, the changed day's newest and (count left) its oldest are kept.
    @Test func dayLengthsAcrossChanges() {
        for (start, day, hours) in [("2024-03-30 23:00", "2024-03-31", 23), ("2024-10-26 22:00", "2024-10-27", 25)] {
            let snapshots = F.series(from: start, every: 3600, count: hours + 1)
            let decisions = RetentionPolicy(keepDaily: 3).decide(snapshots, in: F.berlin)
            let kept = decisions.filter(\.keep).map { "\($0.snapshot.id) \($0.reasons)" }
            #expect(kept.count == 3, "\(kept)")
            #expect(decisions.filter(\.keep).last?.reasons == ["oldest daily \(day)"], "\(kept)")
            #expect(decisions.filter(\.keep).dropFirst().first?.reasons == ["daily \(day)"], "\(kept)")
        }
    }

    private func hourlyLabels(_ decisions: [RetentionDecision]) -> [String] {
        decisions.flatMap(\.reasons).filter { $0.hasPrefix("hourly ") }
    }
}
