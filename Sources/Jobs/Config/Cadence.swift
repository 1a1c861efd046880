import Foundation

/// How often a step that need not run every time (prune, check) runs: due when the last
/// run was in an earlier calendar period than now, so a nightly job prunes `weekly` on the
/// first run of each ISO week, whatever hour cron fires it.
public enum Cadence: String, Sendable, Equatable, CaseIterable, Codable {
    case always, daily, weekly, monthly, never

    /// Whether the step is due at `now`, having last run at `last` (nil: never ran).
    public func isDue(last: Date?, now: Date, calendar: Calendar = .current) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .daily, .weekly, .monthly:
            guard let last else { return true }
            if last > now { return true }  // a clock set back: run rather than skip for weeks
            return period(of: last, calendar) != period(of: now, calendar)
        }
    }

    private func period(of date: Date, _ calendar: Calendar) -> [Int] {
        switch self {
        case .weekly:
            let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            return [parts.yearForWeekOfYear ?? 0, parts.weekOfYear ?? 0]
        case .monthly:
            let parts = calendar.dateComponents([.year, .month], from: date)
            return [parts.year ?? 0, parts.month ?? 0]
        default:
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return [parts.year ?? 0, parts.month ?? 0, parts.day ?? 0]
        }
    }
}
