import Foundation
import Repo

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

    private static func read(_ text: String) -> Date? {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        if let date = iso.date(from: text) { return date }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: text) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for pattern in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = pattern
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
