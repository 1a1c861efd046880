import Foundation

/// The five time fields of a crontab line (minute, hour, day of month, month, day of week)
/// and when they next match: `repo schedule list` shows the next run of a cron schedule
/// without asking cron, which has no way to tell.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let minute: CronField
    public let hour: CronField
    public let dayOfMonth: CronField
    public let month: CronField
    public let dayOfWeek: CronField

    /// Reads `"0 3 * * *"`; nil when it is not five valid fields.
    public init?(_ text: String) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5,
              let minute = CronField(fields[0], range: 0...59), let hour = CronField(fields[1], range: 0...23),
              let dayOfMonth = CronField(fields[2], range: 1...31), let month = CronField(fields[3], range: 1...12),
              let dayOfWeek = CronField(fields[4], range: 0...7) else { return nil }
        self.minute = minute
        self.hour = hour
        self.dayOfMonth = dayOfMonth
        self.month = month
        self.dayOfWeek = dayOfWeek
    }

    public var description: String { [minute, hour, dayOfMonth, month, dayOfWeek].map(\.text).joined(separator: " ") }

    /// The first minute strictly after `date` that the fields match, in `calendar`'s time
    /// zone; nil when none does within eight years (`0 0 31 2 *`).
    public func next(after date: Date, calendar: Calendar) -> Date? {
        guard var day = calendar.dateInterval(of: .day, for: date)?.start else { return nil }
        for _ in 0..<(8 * 366) {
            if matches(day: day, calendar: calendar) {
                for hour in hour.values.sorted() {
                    for minute in minute.values.sorted() {
                        guard let time = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: day) else { continue }
                        // A time skipped by a daylight-saving change comes back as another hour.
                        guard calendar.component(.hour, from: time) == hour else { continue }
                        if time > date { return time }
                    }
                }
            }
            guard let following = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = following
        }
        return nil
    }

    /// Cron's rule: when both day fields are restricted a day matching either runs.
    private func matches(day: Date, calendar: Calendar) -> Bool {
        let parts = calendar.dateComponents([.day, .month, .weekday], from: day)
        guard let monthDay = parts.day, let monthNumber = parts.month, let weekday = parts.weekday else { return false }
        guard month.values.contains(monthNumber) else { return false }
        let weekdayNumber = weekday - 1  // Calendar: Sunday is 1; cron: 0 (or 7).
        let byMonthDay = dayOfMonth.values.contains(monthDay)
        let byWeekday = dayOfWeek.values.contains(weekdayNumber) || (weekdayNumber == 0 && dayOfWeek.values.contains(7))
        switch (dayOfMonth.isEvery, dayOfWeek.isEvery) {
        case (true, true): return true
        case (true, false): return byWeekday
        case (false, true): return byMonthDay
        case (false, false): return byMonthDay || byWeekday
        }
    }
}

/// One field of a cron schedule: `*`, `5`, `1-5`, `*/15`, `0-30/10` and comma lists of them.
public struct CronField: Sendable, Equatable {
    public let text: String
    public let values: Set<Int>
    /// Starts with `*`: cron then ignores this day field in favour of the other.
    public var isEvery: Bool { text.hasPrefix("*") }

    public init?(_ text: String, range: ClosedRange<Int>) {
        var values: Set<Int> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { return nil }
            var step = 1
            if stepParts.count == 2 {
                guard let given = Int(stepParts[1]), given > 0 else { return nil }
                step = given
            }
            let base = stepParts[0]
            let span: ClosedRange<Int>
            if base == "*" {
                span = range
            } else {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil,
                      range.contains(low), range.contains(high), low <= high else { return nil }
                // `5/15` means from 5 to the end, every 15.
                span = low...(bounds.count == 1 && stepParts.count == 2 ? range.upperBound : high)
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        self.text = text
        self.values = values
    }
}
