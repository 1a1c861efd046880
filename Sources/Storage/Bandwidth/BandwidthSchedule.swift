import Foundation

/// A bandwidth limit that may change with the local time of day: a plain rate (`2MiB`),
/// `off`, or a timetable such as `08:00-20:00 2MiB, 20:00-08:00 off`.
///
/// Each entry is `HH:MM-HH:MM RATE` (RATE as `BandwidthRate` reads it, or `off`), from the
/// start minute up to but not including the end; an end at or before the start wraps past
/// midnight; `24:00` is allowed as an end. Entries must not overlap; the times no entry
/// covers are unlimited.
public struct BandwidthSchedule: Sendable, Equatable, CustomStringConvertible {
    public struct Entry: Sendable, Equatable {
        /// Minutes after local midnight; `end` may be below `start` (wraps) and up to 1440.
        public let start: Int
        public let end: Int
        /// Bytes per second; nil: unlimited.
        public let rate: Int?

        func covers(_ minute: Int) -> Bool {
            start < end ? (start..<end).contains(minute) : (minute >= start || minute < end)
        }
    }

    public let entries: [Entry]
    public let description: String

    public static let unlimited = BandwidthSchedule(entries: [], description: "off")

    init(entries: [Entry], description: String) {
        self.entries = entries
        self.description = description
    }

    /// A constant limit of `bytesPerSecond`.
    public static func constant(_ bytesPerSecond: Int) -> BandwidthSchedule {
        BandwidthSchedule(entries: [Entry(start: 0, end: 1440, rate: bytesPerSecond)], description: BandwidthRate.describe(bytesPerSecond))
    }

    /// True when no time of day has a limit: nothing needs to be counted.
    public var isUnlimited: Bool { entries.allSatisfy { $0.rate == nil } }

    /// The limit at `minute` after local midnight (0..<1440), in bytes per second; nil:
    /// unlimited.
    public func rate(atMinute minute: Int) -> Int? {
        entries.first { $0.covers(minute) }?.rate
    }

    public static func parse(_ text: String) throws(BandwidthSyntaxError) -> BandwidthSchedule {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.contains(":") else {
            if trimmed.lowercased() == "off" { return .unlimited }
            return .constant(try BandwidthRate.parse(trimmed))
        }
        var entries: [Entry] = []
        var owner = [Int?](repeating: nil, count: 1440)
        for (index, part) in trimmed.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let entryText = part.trimmingCharacters(in: .whitespaces)
            let entry = try Self.entry(entryText, in: text)
            for minute in 0..<1440 where entry.covers(minute) {
                if let earlier = owner[minute] {
                    throw BandwidthSyntaxError("timetable \(text.debugDescription): entries \(earlier + 1) and \(index + 1) overlap at \(Self.clock(minute)); give each time of day one rate")
                }
                owner[minute] = index
            }
            entries.append(entry)
        }
        return BandwidthSchedule(entries: entries, description: trimmed)
    }

    private static func entry(_ text: String, in whole: String) throws(BandwidthSyntaxError) -> Entry {
        let words = text.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let times = words.first?.split(separator: "-", omittingEmptySubsequences: false) ?? []
        guard words.count == 2, times.count == 2, let start = minutes(times[0], allowEnd: false), let end = minutes(times[1], allowEnd: true) else {
            throw BandwidthSyntaxError("timetable \(whole.debugDescription): \(text.debugDescription) is not `HH:MM-HH:MM RATE` (for example `08:00-20:00 2MiB, 20:00-08:00 off`)")
        }
        guard start != end % 1440 || end == 1440 && start == 0 else {
            throw BandwidthSyntaxError("timetable \(whole.debugDescription): \(text.debugDescription) covers no time (its start is its end)")
        }
        let rate: Int? = words[1].lowercased() == "off" ? nil : try BandwidthRate.parse(words[1])
        return Entry(start: start, end: end, rate: rate)
    }

    /// Minutes after midnight for `HH:MM` (00:00 to 23:59; 24:00 too as an end).
    private static func minutes(_ text: Substring, allowEnd: Bool) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let hours = Int(parts[0]), let minutes = Int(parts[1]), hours >= 0, (0..<60).contains(minutes) else { return nil }
        let total = hours * 60 + minutes
        return total < 1440 || (allowEnd && total == 1440) ? total : nil
    }

    private static func clock(_ minute: Int) -> String {
        String(format: "%02d:%02d", minute / 60, minute % 60)
    }
}
