import Foundation

extension RetentionPolicy {
    /// Decides for each snapshot of one group (see `GroupKey.group`) whether the policy
    /// keeps it, and why. Decisions come newest first; snapshots with the same time are
    /// ordered by id, so the result does not depend on the input order.
    ///
    /// Semantics (restic's `forget`, 0.16 and later, except where noted):
    ///
    /// - Rules are independent and a snapshot is kept if any rule keeps it. Every rule sees
    ///   every snapshot: the newest snapshot, kept by `keepLast`, also uses up its hour, day,
    ///   week, month and year for the period rules.
    /// - `keepDaily = N` (likewise hourly, weekly, monthly, yearly): going from the newest
    ///   snapshot back, the first snapshot seen in a day is that day's newest and is kept,
    ///   until N distinct days have been kept. Only days with snapshots count, so a gap in
    ///   the backups does not use up the count. Weeks are ISO 8601 weeks (`2020-W53`).
    /// - Buckets are computed in `timeZone` (local by default, UTC with `--utc`). Hours are
    ///   real hours: when clocks go back, the repeated wall hour is two buckets (labelled with
    ///   their UTC offsets). restic buckets by wall-clock reading and merges them.
    /// - The oldest snapshot of the group is also kept when a period rule (or a
    ///   `keepWithin<Period>` rule whose window includes it) has count left, so a young
    ///   repository with `keepYearly 5` keeps its first snapshot; its reason starts with
    ///   "oldest" (restic's "keep the oldest snapshot if there are not enough").
    /// - `keepWithin` keeps a snapshot whose time is strictly after the newest snapshot's
    ///   time minus the duration: the boundary instant itself is outside, as in restic. The
    ///   window is anchored at the newest snapshot of the group, not at `now`, so a host whose
    ///   backups stopped weeks ago still keeps its last ones. The duration steps back through
    ///   the calendar of `timeZone` (days are calendar days, months clamp to the shorter
    ///   month: Go's AddDate, which restic uses, overflows into the next month instead).
    /// - `keepWithinDaily` (and the other periods): within that same window, the newest
    ///   snapshot of each day.
    /// - `keepTags`: a snapshot carrying any one of the tags (restic's `--keep-tag a,b` needs
    ///   all of a list; here each tag is enough on its own). Tags never use up counts.
    /// - Negative counts are unlimited.
    /// - An empty policy (`isEmpty`) keeps every snapshot, with the reason "policy is empty",
    ///   as restic does: removing everything is never a default. Callers should refuse to
    ///   forget with an empty policy before getting here.
    ///
    /// - Parameter now: Not used by any rule: windows are anchored at the newest snapshot
    ///   (see above). Taken so callers state the evaluation time and a later anchor option
    ///   does not change the signature.
    public func apply(to snapshots: [StoredSnapshot], now: Date = Date(),
                      timeZone: TimeZone = .current) -> [RetentionDecision] {
        RetentionEvaluator(policy: self, calendar: RetentionCalendar(timeZone: timeZone)).decisions(for: snapshots)
    }
}

/// The pass over one group, newest first, keeping the state of each rule: how many buckets
/// a count rule may still keep and which buckets it has kept already.
struct RetentionEvaluator {
    let policy: RetentionPolicy
    let calendar: RetentionCalendar

    /// A period rule with a count (`keepDaily 7`) or a window (`keepWithinDaily 30d`).
    private struct PeriodRule {
        let period: RetentionPeriod
        /// Buckets still to keep; negative is unlimited (window rules have no count).
        var remaining: Int
        /// Snapshots at or before this instant are outside the rule (the distant past for
        /// count rules).
        let windowStart: Date
        /// Appended to the reason: " within 30d" for window rules.
        let suffix: String
        var kept: Set<PeriodBucket> = []

        func applies(to time: Date) -> Bool { remaining != 0 && time > windowStart }

        mutating func useOne() { if remaining > 0 { remaining -= 1 } }
    }

    func decisions(for snapshots: [StoredSnapshot]) -> [RetentionDecision] {
        let ordered = snapshots.sorted {
            $0.snapshot.time != $1.snapshot.time ? $0.snapshot.time > $1.snapshot.time : $0.id < $1.id
        }
        guard let newest = ordered.first?.snapshot.time else { return [] }
        if policy.isEmpty {
            return ordered.map { RetentionDecision(snapshot: $0, keep: true, reasons: ["policy is empty"]) }
        }

        var lastRemaining = policy.keepLast ?? 0
        var counted = RetentionPeriod.allCases.compactMap { period -> PeriodRule? in
            guard let count = policy.count(for: period), count != 0 else { return nil }
            return PeriodRule(period: period, remaining: count, windowStart: .distantPast, suffix: "")
        }
        let within = policy.keepWithin.flatMap { duration in
            duration.isZero ? nil : (duration, duration.start(before: newest, in: calendar.gregorian))
        }
        var windowed = RetentionPeriod.allCases.compactMap { period -> PeriodRule? in
            guard let duration = policy.within(for: period), !duration.isZero else { return nil }
            return PeriodRule(period: period, remaining: RetentionPolicy.unlimited,
                              windowStart: duration.start(before: newest, in: calendar.gregorian),
                              suffix: " within \(duration)")
        }
        var tags: [String] = []
        for tag in policy.keepTags where !tags.contains(tag) { tags.append(tag) }

        return ordered.enumerated().map { index, stored in
            let time = stored.snapshot.time
            let isOldest = index == ordered.count - 1
            var reasons: [String] = []
            if lastRemaining != 0 {
                reasons.append("last snapshot")
                if lastRemaining > 0 { lastRemaining -= 1 }
            }
            for rule in counted.indices where counted[rule].applies(to: time) {
                if let reason = keep(time, isOldest: isOldest, by: &counted[rule]) { reasons.append(reason) }
            }
            if let (duration, start) = within, time > start { reasons.append("within \(duration)") }
            for rule in windowed.indices where windowed[rule].applies(to: time) {
                if let reason = keep(time, isOldest: isOldest, by: &windowed[rule]) { reasons.append(reason) }
            }
            for tag in tags where stored.snapshot.tags.contains(tag) { reasons.append("tag \(tag)") }
            return RetentionDecision(snapshot: stored, keep: !reasons.isEmpty, reasons: reasons)
        }
    }

    /// The reason `rule` keeps a snapshot at `time`, if it does: the first (newest) snapshot
    /// of a bucket, or the group's oldest snapshot while the rule has count left.
    private func keep(_ time: Date, isOldest: Bool, by rule: inout PeriodRule) -> String? {
        let bucket = calendar.bucket(rule.period, of: time)
        let isNew = rule.kept.insert(bucket).inserted
        guard isNew || isOldest else { return nil }
        rule.useOne()
        return "\(isNew ? "" : "oldest ")\(rule.period.adjective) \(bucket.label)\(rule.suffix)"
    }
}
