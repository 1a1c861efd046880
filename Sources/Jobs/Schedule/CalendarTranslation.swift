import Foundation

/// Rewrites a systemd OnCalendar expression as cron fields, for the expressions cron can
/// hold: `[WEEKDAYS] [*-]MONTH-DAY HOUR:MINUTE[:00]` with `*`, numbers, lists, `A..B`
/// ranges and `A/STEP` repetitions, any year, whole minutes and the local time zone.
enum CalendarTranslation {
    static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// `given` is what the user typed, for the message.
    static func cron(_ expression: String, given: String) throws -> CronSchedule {
        func fail(_ reason: String) -> ScheduleError { .notCronExpressible(given, reason: reason) }
        var words = expression.split(separator: " ").map(String.init)
        var weekdayField = "*"
        if let first = words.first, first.first?.isLetter == true {
            weekdayField = try weekdayList(first, fail: fail)
            words.removeFirst()
        }
        guard let timeWord = words.last, timeWord.contains(":") else { throw fail("it names no time of day") }
        words.removeLast()
        guard words.count <= 1 else { throw fail("time zones and extra words have no cron form") }
        var dateParts = words.first.map { $0.split(separator: "-", omittingEmptySubsequences: false).map(String.init) } ?? ["*", "*"]
        if dateParts.count == 3 {
            guard dateParts[0] == "*" else { throw fail("cron repeats every year; it cannot name one") }
            dateParts.removeFirst()
        }
        guard dateParts.count == 2, !dateParts[1].contains("~") else { throw fail("cron cannot count days from a month's end") }
        var timeParts = timeWord.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if timeParts.count == 3 {
            guard ["0", "00"].contains(timeParts[2]) else { throw fail("cron runs on whole minutes") }
            timeParts.removeLast()
        }
        guard timeParts.count == 2 else { throw fail("the time is not HOUR:MINUTE[:SECOND]") }
        let fields = [
            try component(timeParts[1], maximum: 59, fail: fail),
            try component(timeParts[0], maximum: 23, fail: fail),
            try component(dateParts[1], maximum: 31, fail: fail),
            try component(dateParts[0], maximum: 12, fail: fail),
            weekdayField,
        ]
        guard let schedule = CronSchedule(fields.joined(separator: " ")) else { throw fail("its values are out of range") }
        return schedule
    }

    /// `*`, `5`, `1..5`, `0/15`, `*/15` and lists of them, as cron writes them.
    private static func component(_ text: String, maximum: Int, fail: (String) -> ScheduleError) throws -> String {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { item -> String in
            let parts = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= 2 else { throw fail("\(item) is not a value") }
            var base = parts[0].replacingOccurrences(of: "..", with: "-")
            guard base == "*" || base.allSatisfy({ $0.isNumber || $0 == "-" }) else { throw fail("\(item) is not a value") }
            if base != "*" { base = base.split(separator: "-").map { String(Int($0) ?? 0) }.joined(separator: "-") }
            guard parts.count == 2 else { return base }
            // systemd's `5/15` runs from 5 to the end of the range.
            return base == "*" || base.contains("-") ? "\(base)/\(parts[1])" : "\(base)-\(maximum)/\(parts[1])"
        }.joined(separator: ",")
    }

    private static func weekdayList(_ text: String, fail: (String) -> ScheduleError) throws -> String {
        try text.lowercased().split(separator: ",").map { item -> String in
            let ends = item.components(separatedBy: "..").map { name -> Int? in weekdays.firstIndex(of: String(name.prefix(3))) }
            guard (1...2).contains(ends.count), ends.allSatisfy({ $0 != nil }) else { throw fail("\(item) is not a day of the week") }
            return ends.map { String($0!) }.joined(separator: "-")
        }.joined(separator: ",")
    }
}
