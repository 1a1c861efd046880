import Foundation
@testable import Repo
import Testing

/// A realistic history: two years of hourly snapshots under a full policy, in a zone with
/// daylight saving. Checks the counts a user would see and that it stays fast.
@Suite struct RetentionScaleTests {
    typealias F = RetentionFixtures

    /// 2023-01-01 00:30Z to 2024-12-31 23:30Z every hour (17,544 snapshots), Europe/Berlin
    /// (UTC+1 in winter, +2 in summer), last 3, hourly 24, daily 7, weekly 4, monthly 12,
    /// yearly 4. By hand:
    /// - last 3 and hourly 24 overlap: the newest 24 hours, 2024-12-31 00:30Z … 23:30Z
    ///   (01h on 12-31 to 00h on 2025-01-01 local).
    /// - daily 7: 2025-01-01 and 12-31 (in the hourly set), then the newest of 12-30 … 12-26,
    ///   23:30 local = 22:30Z: 5 more.
    /// - weekly 4: 2025-W01 (kept), 2024-W52 (Sunday 12-29, kept as daily), W51 (12-22) and
    ///   W50 (12-15): 2 more.
    /// - monthly 12: 2025-01 and 2024-12 (kept), then the last hour of 2024-11 … 2024-02:
    ///   10 more, at 22:30Z in winter and 21:30Z in summer time.
    /// - yearly 4: 2025, 2024 (kept), 2023 (2023-12-31 22:30Z); with count left, the oldest
    ///   snapshot too: 2 more.
    @Test func twoYearsHourly() {
        let snapshots = F.series(from: "2023-01-01 00:30", every: 3600, count: 17_544)
        #expect(snapshots.last?.id == "2024-12-31 23:30")
        let policy = RetentionPolicy(keepLast: 3, keepHourly: 24, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 4)
        let clock = ContinuousClock()
        var decisions: [RetentionDecision] = []
        let elapsed = clock.measure { decisions = policy.decide(snapshots, in: F.berlin) }
        let kept = decisions.filter { $0.keep }
        let hourly = kept.prefix { $0.snapshot.id.hasPrefix("2024-12-31 ") }
        #expect(hourly.count == 24)
        #expect(hourly.allSatisfy { $0.reasons.contains { $0.hasPrefix("hourly ") } })
        let older = Dictionary(uniqueKeysWithValues: kept.dropFirst(24).map { ($0.snapshot.id, $0.reasons) })
        let expected: [String: [String]] = [
            "2024-12-30 22:30": ["daily 2024-12-30"],
            "2024-12-29 22:30": ["daily 2024-12-29", "weekly 2024-W52"],
            "2024-12-28 22:30": ["daily 2024-12-28"],
            "2024-12-27 22:30": ["daily 2024-12-27"],
            "2024-12-26 22:30": ["daily 2024-12-26"],
            "2024-12-22 22:30": ["weekly 2024-W51"],
            "2024-12-15 22:30": ["weekly 2024-W50"],
            "2024-11-30 22:30": ["monthly 2024-11"],
            "2024-10-31 22:30": ["monthly 2024-10"],
            "2024-09-30 21:30": ["monthly 2024-09"],
            "2024-08-31 21:30": ["monthly 2024-08"],
            "2024-07-31 21:30": ["monthly 2024-07"],
            "2024-06-30 21:30": ["monthly 2024-06"],
            "2024-05-31 21:30": ["monthly 2024-05"],
            "2024-04-30 21:30": ["monthly 2024-04"],
            "2024-03-31 21:30": ["monthly 2024-03"],
            "2024-02-29 22:30": ["monthly 2024-02"],
            "2023-12-31 22:30": ["yearly 2023"],
            "2023-01-01 00:30": ["oldest yearly 2023"],
        ]
        let differing = Set(older.keys).union(expected.keys).sorted().filter { older[$0] != expected[$0] }
            .map { "\($0): expected \(expected[$0].map { "kept \($0)" } ?? "removed"), got \(older[$0].map { "kept \($0)" } ?? "removed")" }
        #expect(differing.isEmpty, "\(differing.joined(separator: "\n"))")
        #expect(kept.count == 24 + 19)
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }
}
