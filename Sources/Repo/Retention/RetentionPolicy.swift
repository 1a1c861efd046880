/// Which snapshots of one group `repo forget` keeps: the union of every rule that is set.
///
/// A snapshot is kept when any rule keeps it; every other snapshot of the group is removed.
/// The rules follow restic's `forget` so that users can carry their policies over
/// (`RetentionPolicy.apply(to:now:timeZone:)` documents the exact semantics and the few
/// deliberate differences):
///
/// - `keepLast`: the newest N snapshots.
/// - `keepHourly` … `keepYearly`: the newest snapshot of each of the newest N hours, days,
///   ISO weeks, months or years that have snapshots.
/// - `keepWithin`: every snapshot less than the duration older than the newest snapshot.
/// - `keepWithinHourly` … `keepWithinYearly`: the newest snapshot of each hour, day, ... in
///   that window.
/// - `keepTags`: every snapshot carrying any of these tags.
///
/// Counts: `nil` or 0 means the rule is off, and a negative count means unlimited (restic's
/// `--keep-daily unlimited`, stored as -1: the newest snapshot of every day).
///
/// The policy will be stored in the repository config, so its JSON form is a format: see
/// `RetentionPolicy.CodingKeys` for the keys, which must not change.
public struct RetentionPolicy: Sendable, Equatable, CustomStringConvertible {
    /// A count that keeps every bucket (restic's `unlimited`).
    public static let unlimited = -1

    public var keepLast: Int?
    public var keepHourly: Int?
    public var keepDaily: Int?
    public var keepWeekly: Int?
    public var keepMonthly: Int?
    public var keepYearly: Int?
    public var keepWithin: RetentionDuration?
    public var keepWithinHourly: RetentionDuration?
    public var keepWithinDaily: RetentionDuration?
    public var keepWithinWeekly: RetentionDuration?
    public var keepWithinMonthly: RetentionDuration?
    public var keepWithinYearly: RetentionDuration?
    /// A snapshot with any of these tags is kept, whatever its age.
    public var keepTags: [String]

    public init(keepLast: Int? = nil, keepHourly: Int? = nil, keepDaily: Int? = nil, keepWeekly: Int? = nil,
                keepMonthly: Int? = nil, keepYearly: Int? = nil, keepWithin: RetentionDuration? = nil,
                keepWithinHourly: RetentionDuration? = nil, keepWithinDaily: RetentionDuration? = nil,
                keepWithinWeekly: RetentionDuration? = nil, keepWithinMonthly: RetentionDuration? = nil,
                keepWithinYearly: RetentionDuration? = nil, keepTags: [String] = []) {
        self.keepLast = keepLast
        self.keepHourly = keepHourly
        self.keepDaily = keepDaily
        self.keepWeekly = keepWeekly
        self.keepMonthly = keepMonthly
        self.keepYearly = keepYearly
        self.keepWithin = keepWithin
        self.keepWithinHourly = keepWithinHourly
        self.keepWithinDaily = keepWithinDaily
        self.keepWithinWeekly = keepWithinWeekly
        self.keepWithinMonthly = keepWithinMonthly
        self.keepWithinYearly = keepWithinYearly
        self.keepTags = keepTags
    }

    /// True when no rule is set, so that the policy would keep nothing. Forgetting with such
    /// a policy would remove every snapshot; the caller must refuse it (and `apply` keeps
    /// everything rather than remove everything, see there).
    public var isEmpty: Bool {
        let counts = [keepLast] + RetentionPeriod.allCases.map { count(for: $0) }
        let windows = [keepWithin] + RetentionPeriod.allCases.map { within(for: $0) }
        return counts.allSatisfy { ($0 ?? 0) == 0 }
            && windows.allSatisfy { $0?.isZero ?? true }
            && keepTags.isEmpty
    }

    /// The rules that are set, for messages such as "applying policy: keep last 5, daily 7,
    /// within 30d, tags [nightly]"; "nothing" when empty.
    public var description: String {
        var rules: [String] = []
        func count(_ name: String, _ value: Int?) {
            guard let value, value != 0 else { return }
            rules.append("\(name) \(value < 0 ? "unlimited" : String(value))")
        }
        count("last", keepLast)
        for period in RetentionPeriod.allCases { count(period.adjective, self.count(for: period)) }
        if let keepWithin, !keepWithin.isZero { rules.append("within \(keepWithin)") }
        for period in RetentionPeriod.allCases {
            if let window = within(for: period), !window.isZero { rules.append("\(period.adjective) within \(window)") }
        }
        if !keepTags.isEmpty { rules.append("tags [\(keepTags.joined(separator: ", "))]") }
        return rules.isEmpty ? "nothing" : rules.joined(separator: ", ")
    }
}
