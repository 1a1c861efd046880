/// The calendar periods a retention rule can keep one snapshot of: the newest snapshot of
/// each hour, day, ISO week, month or year. Ordered shortest first, the order in which a
/// decision lists its reasons.
enum RetentionPeriod: CaseIterable, Sendable {
    case hour, day, week, month, year

    /// The adjective used in reasons and in the policy description ("daily 2024-07-01").
    var adjective: String {
        switch self {
        case .hour: "hourly"
        case .day: "daily"
        case .week: "weekly"
        case .month: "monthly"
        case .year: "yearly"
        }
    }
}

extension RetentionPolicy {
    /// How many buckets of `period` the policy keeps (`keepDaily` for `.day`, ...).
    func count(for period: RetentionPeriod) -> Int? {
        switch period {
        case .hour: keepHourly
        case .day: keepDaily
        case .week: keepWeekly
        case .month: keepMonthly
        case .year: keepYearly
        }
    }

    /// The window of the `keepWithin<Period>` rule for `period`.
    func within(for period: RetentionPeriod) -> RetentionDuration? {
        switch period {
        case .hour: keepWithinHourly
        case .day: keepWithinDaily
        case .week: keepWithinWeekly
        case .month: keepWithinMonthly
        case .year: keepWithinYearly
        }
    }
}
