import Crypto
import Foundation
@testable import Repo
import TestSupport
import Testing

/// Snapshots at given UTC times and a comparison of decisions against expectations written
/// out by hand, which names every snapshot that differs.
enum RetentionFixtures {
    static let utc = TimeZone(identifier: "UTC")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let newYork = TimeZone(identifier: "America/New_York")!

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return calendar
    }()

    /// `"2024-07-01 23:30"` or `"2024-07-01 23:30:01"`, in UTC.
    static func date(_ text: String) -> Date {
        let numbers = text.split(whereSeparator: { !$0.isNumber }).map { Int($0)! }
        precondition(numbers.count == 5 || numbers.count == 6, "bad test date \(text)")
        let components = DateComponents(year: numbers[0], month: numbers[1], day: numbers[2], hour: numbers[3],
                                        minute: numbers[4], second: numbers.count == 6 ? numbers[5] : 0)
        return utcCalendar.date(from: components)!
    }

    /// The UTC time as `date(_:)` reads it: minutes, and seconds only when there are some.
    static func label(_ date: Date) -> String {
        let parts = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int = 2) -> String {
            let digits = String(value!)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let minutes = "\(pad(parts.year, 4))-\(pad(parts.month))-\(pad(parts.day)) \(pad(parts.hour)):\(pad(parts.minute))"
        return parts.second == 0 ? minutes : "\(minutes):\(pad(parts.second))"
    }

    /// A snapshot at `date` whose id is its UTC time (prefixed by `idPrefix`), so that
    /// expectations and failure messages name snapshots by when they were taken.
    static func snapshot(at date: Date, id: String? = nil, idPrefix: String = "", host: String = "alpha",
                         paths: [String] = ["/data"], tags: [String] = []) -> StoredSnapshot {
        let snapshot = Snapshot(time: date, host: host, user: "backup", uid: 1000, gid: 1000, paths: paths, tags: tags,
                                tree: .zero, parent: nil, problems: [], summary: .init())
        return StoredSnapshot(id: id ?? idPrefix + label(date), snapshot: snapshot)
    }

    static func snapshot(at text: String, id: String? = nil, idPrefix: String = "", host: String = "alpha",
                         paths: [String] = ["/data"], tags: [String] = []) -> StoredSnapshot {
        snapshot(at: date(text), id: id, idPrefix: idPrefix, host: host, paths: paths, tags: tags)
    }

    typealias Generator = SeededGenerator

    /// Snapshots from `start` every `step` seconds, `count` of them.
    static func series(from start: String, every step: TimeInterval, count: Int, idPrefix: String = "",
                       host: String = "alpha") -> [StoredSnapshot] {
        (0..<count).map { snapshot(at: date(start).addingTimeInterval(Double($0) * step), idPrefix: idPrefix, host: host) }
    }
}

extension RetentionFixtures {
    /// Checks that exactly the snapshots in `expected` (by id) are kept, each for exactly the
    /// reasons listed (in order), and that every other snapshot is removed with no reason.
    /// The failure message lists each snapshot that differs and how.
    static func expectDecisions(_ decisions: [RetentionDecision], keep expected: [String: [String]],
                                sourceLocation: SourceLocation = #_sourceLocation) {
        var problems: [String] = []
        let ids = Set(decisions.map(\.snapshot.id))
        for id in expected.keys.sorted() where !ids.contains(id) {
            problems.append("expected to keep \(id), but there is no such snapshot")
        }
        for decision in decisions.sorted(by: { $0.snapshot.id < $1.snapshot.id }) {
            let id = decision.snapshot.id
            let got = decision.keep ? "kept \(decision.reasons)" : "removed"
            if let reasons = expected[id] {
                if !decision.keep {
                    problems.append("\(id): expected kept \(reasons), but removed")
                } else if decision.reasons != reasons {
                    problems.append("\(id): expected kept \(reasons), but \(got)")
                }
            } else if decision.keep || !decision.reasons.isEmpty {
                problems.append("\(id): expected removed, but \(got)")
            }
        }
        #expect(problems.isEmpty, "\(problems.count) snapshot(s) differ:\n\(problems.joined(separator: "\n"))",
                sourceLocation: sourceLocation)
    }
}

extension RetentionPolicy {
    /// Applies the policy at a fixed evaluation time, so tests never depend on the clock.
    func decide(_ snapshots: [StoredSnapshot], in timeZone: TimeZone = RetentionFixtures.utc) -> [RetentionDecision] {
        apply(to: snapshots, now: RetentionFixtures.date("2030-01-01 00:00"), timeZone: timeZone)
    }
}
