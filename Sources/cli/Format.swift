import Foundation
import Repo
import Storage

/// Numbers and times as people read them.
enum Format {
    static func bytes(_ count: UInt64) -> String { ByteCount.text(count) }

    static func bytes(_ count: Int) -> String { bytes(UInt64(max(0, count))) }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(String(format: "%02d", whole % 60))s" }
        return "\(whole / 3600)h\(String(format: "%02d", whole / 60 % 60))m"
    }

    /// Local time, to the second.
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}

/// Reads `--time` values: RFC 3339, or `YYYY-MM-DD[ HH:MM[:SS]]` in local time, from
/// 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z. Outside that range the parsers and the
/// stored form disagree (the Julian calendar before 1582, years of more than four digits),
/// so such times are refused rather than stored as other times.
enum DateParsing {
    static let earliest = Date(timeIntervalSince1970: 0)
    /// The second after 9999-12-31T23:59:59Z.
    static let end = Date(timeIntervalSince1970: 253_402_300_800)
    static let rangeText = "from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z"

    /// The `--time` option, nil when not given; a usage error naming the range when it is
    /// not a time in it.
    static func option(_ arguments: ParsedArguments) throws -> Date? {
        guard let text = arguments.value("time") else { return nil }
        guard let time = parse(text) else {
            throw UsageError("--time needs a time \(rangeText) (RFC 3339, or YYYY-MM-DD[ HH:MM[:SS]] in local time), not \(text.debugDescription)")
        }
        return time
    }

    /// The time `text` stands for, or nil when it is not one or lies outside the range.
    static func parse(_ text: String) -> Date? {
        guard let time = read(text), time >= earliest, time < end else { return nil }
        return time
    }

    /// RFC 3339 through `Timestamps` and the local forms through `Calendar`, never through
    /// ISO8601DateFormatter or DateFormatter: ICU, behind them, divides by zero on a long
    /// fraction (`--time "2026-01-01T00:00:00.111…1Z"` crashed with SIGFPE).
    private static func read(_ text: String) -> Date? {
        if let date = Timestamps.parse(text) { return date }
        return localTime(text)
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM`, `YYYY-MM-DD HH:MM:SS` (or `T` for the space) in
    /// this machine's time zone; nil for anything else, or a date that does not exist.
    private static func localTime(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        let digit = UInt8(ascii: "0")...UInt8(ascii: "9")
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count, bytes[range].allSatisfy(digit.contains) else { return nil }
            return bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        func byte(_ index: Int, is characters: String) -> Bool {
            index < bytes.count && characters.utf8.contains(bytes[index])
        }
        guard [10, 16, 19].contains(bytes.count), let year = number(0..<4), byte(4, is: "-"), let month = number(5..<7),
              byte(7, is: "-"), let day = number(8..<10) else { return nil }
        var components = DateComponents(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
        if bytes.count >= 16 {
            guard byte(10, is: " T"), let hour = number(11..<13), byte(13, is: ":"), let minute = number(14..<16) else { return nil }
            (components.hour, components.minute) = (hour, minute)
        }
        if bytes.count == 19 {
            guard byte(16, is: ":"), let second = number(17..<19) else { return nil }
            components.second = second
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        // A date that does not exist (Feb 30, 25:00) is refused, not rolled over.
        guard let date = calendar.date(from: components),
              calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date) == components
        else { return nil }
        return date
    }
}
