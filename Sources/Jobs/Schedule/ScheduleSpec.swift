import Foundation

/// When a scheduled job runs, as `--at` gives it: a typed value that renders both a systemd
/// OnCalendar expression and a cron schedule, so that the two kinds of installation agree.
public enum ScheduleSpec: Sendable, Equatable {
    case daily(ClockTime)
    case hourly
    /// Every N minutes, N dividing an hour (cron counts from the top of each hour).
    case everyMinutes(Int)
    /// Every N hours, N dividing a day (cron counts from midnight).
    case everyHours(Int)
    /// Day of week as cron numbers it: 0 is Sunday.
    case weekly(weekday: Int, ClockTime)
    case monthly(day: Int, ClockTime)
    /// A systemd OnCalendar expression, as given.
    case calendar(String)

    static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let fullWeekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    /// Reads an `--at` text; a raw OnCalendar expression is only recognised here, systemd
    /// judges it (`SystemdCalendar`).
    public static func parse(_ text: String) throws -> ScheduleSpec {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let words = trimmed.lowercased().split(separator: " ").map(String.init)
        func bad(_ reason: String) -> ScheduleError { .badSpec(text, reason: reason) }
        func time(_ word: String) throws -> ClockTime {
            guard let time = ClockTime(word) else { throw bad("\(word.debugDescription) is not a time HH:MM") }
            return time
        }
        switch words.first {
        case "daily"?:
            guard words.count == 2 else { throw bad("daily needs a time, e.g. `daily 03:00`") }
            return .daily(try time(words[1]))
        case "hourly"?:
            guard words.count == 1 else { throw bad("hourly takes nothing after it") }
            return .hourly
        case "every"?:
            guard words.count == 2 else { throw bad("every needs a period, e.g. `every 6h` or `every 30m`") }
            return try every(words[1], bad: bad)
        case "weekly"?:
            guard words.count == 3 else { throw bad("weekly needs a day and a time, e.g. `weekly sun 04:00`") }
            guard let weekday = weekdayNames.firstIndex(of: words[1]) ?? fullWeekdayNames.firstIndex(of: words[1]) else {
                throw bad("\(words[1].debugDescription) is not a day of the week (sun, mon, tue, wed, thu, fri, sat)")
            }
            return .weekly(weekday: weekday, try time(words[2]))
        case "monthly"?:
            guard words.count == 3 else { throw bad("monthly needs a day of the month and a time, e.g. `monthly 1 04:00`") }
            guard let day = Int(words[1]), (1...31).contains(day) else { throw bad("\(words[1].debugDescription) is not a day of the month (1 to 31)") }
            return .monthly(day: day, try time(words[2]))
        default:
            guard !trimmed.isEmpty, trimmed.contains(where: { "*-:".contains($0) }) else { throw bad("not a schedule") }
            return .calendar(trimmed)
        }
    }

    private static func every(_ period: String, bad: (String) -> ScheduleError) throws -> ScheduleSpec {
        guard let unit = period.last, let count = Int(period.dropLast()), count > 0 else {
            throw bad("\(period.debugDescription) is not a period like 30m or 6h")
        }
        switch unit {
        case "m" where 60 % count == 0: return .everyMinutes(count)
        case "h" where 24 % count == 0: return .everyHours(count)
        case "m", "h":
            throw bad("every \(period) does not divide \(unit == "m" ? "an hour" : "a day") evenly (minutes: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60; hours: 1, 2, 3, 4, 6, 8, 12, 24)")
        default: throw bad("\(period.debugDescription) is not a period like 30m or 6h")
        }
    }

    /// The OnCalendar expression of the timer.
    public var onCalendar: String {
        switch self {
        case .daily(let time): return "*-*-* \(time.calendarText)"
        case .hourly: return "*-*-* *:00:00"
        case .everyMinutes(let count): return "*-*-* *:00/\(count):00"
        case .everyHours(let count): return "*-*-* 00/\(count):00:00"
        case .weekly(let weekday, let time):
            return "\(Self.weekdayNames[weekday].prefix(1).uppercased() + Self.weekdayNames[weekday].dropFirst()) *-*-* \(time.calendarText)"
        case .monthly(let day, let time): return "*-*-\(ClockTime.twoDigits(day)) \(time.calendarText)"
        case .calendar(let expression): return expression
        }
    }

    /// The five cron fields; `normalized` is systemd's own rewriting of a raw expression
    /// (`systemd-analyze calendar`), which is easier to translate than what was typed.
    public func cron(normalized: String? = nil) throws -> CronSchedule {
        let fields: String
        switch self {
        case .daily(let time): fields = "\(time.minute) \(time.hour) * * *"
        case .hourly: fields = "0 * * * *"
        case .everyMinutes(let count): fields = "*/\(count) * * * *"
        case .everyHours(let count): fields = "0 */\(count) * * *"
        case .weekly(let weekday, let time): fields = "\(time.minute) \(time.hour) * * \(weekday)"
        case .monthly(let day, let time): fields = "\(time.minute) \(time.hour) \(day) * *"
        case .calendar(let expression):
            return try CalendarTranslation.cron(normalized ?? expression, given: expression)
        }
        guard let schedule = CronSchedule(fields) else { throw ScheduleError.notCronExpressible(onCalendar, reason: "fields \(fields)") }
        return schedule
    }

    /// How far systemd may move each run at random, so that many machines (or jobs) do
    /// not all start on the same second; a tenth of the period at most.
    public var randomizedDelay: String {
        switch self {
        case .daily, .weekly, .monthly: return "10min"
        case .hourly, .everyHours: return "5min"
        case .everyMinutes(let count): return "\(count * 6)s"
        case .calendar: return "1min"
        }
    }
}
