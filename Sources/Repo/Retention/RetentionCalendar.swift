import Foundation

/// Which hour, day, ISO week, month or year an instant falls in, seen from one time zone.
///
/// Snapshot times are instants (UTC in the repository); which day a snapshot at 23:30 UTC
/// belongs to depends on where the user is, so buckets are computed in the time zone the
/// policy is applied in (local by default, UTC on request).
///
/// Hours are real hours, not wall-clock readings: when clocks go back, the repeated wall
/// hour (02:00–03:00 twice in Europe/Berlin in October) is two buckets, told apart by their
/// UTC offset, so a 25-hour day has 25 hourly buckets and a 23-hour day 23. Days, weeks,
/// months and years are calendar periods and are one bucket however long they are.
struct RetentionCalendar {
    let timeZone: TimeZone
    /// Days, months, years, hours and the arithmetic of `keep-within` windows.
    let gregorian: Calendar
    /// ISO 8601 weeks: Monday first, week 1 is the week with the year's first Thursday.
    let iso: Calendar

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = timeZone
        self.gregorian = gregorian
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = timeZone
        // Spelled out so that weeks are ISO weeks whatever defaults the platform gives the
        // iso8601 calendar.
        iso.firstWeekday = 2
        iso.minimumDaysInFirstWeek = 4
        self.iso = iso
    }

    /// The bucket of `period` that `date` falls in.
    func bucket(_ period: RetentionPeriod, of date: Date) -> PeriodBucket {
        switch period {
        case .week:
            let parts = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            return PeriodBucket(period: .week, year: parts.yearForWeekOfYear!, number: parts.weekOfYear!)
        case .hour:
            let parts = wallClock(date)
            let offset = timeZone.secondsFromGMT(for: date)
            return PeriodBucket(period: .hour, year: parts.year, number: parts.month, day: parts.day, hour: parts.hour,
                                utcOffset: offset, wallHourRepeats: wallHourRepeats(date, parts: parts, offset: offset))
        case .day:
            let parts = wallClock(date)
            return PeriodBucket(period: .day, year: parts.year, number: parts.month, day: parts.day)
        case .month:
            let parts = wallClock(date)
            return PeriodBucket(period: .month, year: parts.year, number: parts.month)
        case .year:
            return PeriodBucket(period: .year, year: wallClock(date).year)
        }
    }

    private func wallClock(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int) {
        let parts = gregorian.dateComponents([.era, .year, .month, .day, .hour], from: date)
        // Years before the common era count down in the Gregorian calendar; make them
        // astronomical (1 BC = 0) so buckets stay ordered and distinct.
        let year = parts.era == 0 ? 1 - parts.year! : parts.year!
        return (year, parts.month!, parts.day!, parts.hour!)
    }

    /// Whether the wall-clock hour of `date` also occurs at another instant with another
    /// UTC offset (clocks went back). Transitions move clocks by an hour or half an hour, so
    /// looking half an hour and an hour either side finds the other occurrence.
    private func wallHourRepeats(_ date: Date, parts: (year: Int, month: Int, day: Int, hour: Int), offset: Int) -> Bool {
        for shift in [-3600.0, -1800, 1800, 3600] {
            let other = date.addingTimeInterval(shift)
            if timeZone.secondsFromGMT(for: other) != offset, wallClock(other) == parts { return true }
        }
        return false
    }
}

/// One hour, day, ISO week, month or year: what a period rule keeps one snapshot of.
struct PeriodBucket: Hashable, Sendable {
    let period: RetentionPeriod
    /// The calendar year, or for weeks the ISO week-numbering year.
    let year: Int
    /// The month, or for weeks the ISO week number; 0 for years.
    let number: Int
    let day: Int
    let hour: Int
    /// For hours: the UTC offset in seconds, which tells a repeated wall hour's two
    /// occurrences apart.
    let utcOffset: Int
    /// For hours: the wall hour occurs twice that night, so the label shows the offset.
    let wallHourRepeats: Bool

    init(period: RetentionPeriod, year: Int, number: Int = 0, day: Int = 0, hour: Int = 0,
         utcOffset: Int = 0, wallHourRepeats: Bool = false) {
        self.period = period
        self.year = year
        self.number = number
        self.day = day
        self.hour = hour
        self.utcOffset = utcOffset
        self.wallHourRepeats = wallHourRepeats
    }

    /// How reasons name the bucket: `2024-07-01 13h` (with ` +02:00` when the wall hour
    /// repeats), `2024-07-01`, `2024-W27`, `2024-07`, `2024`.
    var label: String {
        let year = Self.pad(self.year, 4)
        switch period {
        case .year: return year
        case .month: return "\(year)-\(Self.pad(number, 2))"
        case .week: return "\(year)-W\(Self.pad(number, 2))"
        case .day: return "\(year)-\(Self.pad(number, 2))-\(Self.pad(day, 2))"
        case .hour:
            let base = "\(year)-\(Self.pad(number, 2))-\(Self.pad(day, 2)) \(Self.pad(hour, 2))h"
            guard wallHourRepeats else { return base }
            let minutes = abs(utcOffset) / 60
            return "\(base) \(utcOffset < 0 ? "-" : "+")\(Self.pad(minutes / 60, 2)):\(Self.pad(minutes % 60, 2))"
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(abs(value))
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return value < 0 ? "-" + padded : padded
    }
}
