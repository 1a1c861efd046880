import Foundation
import Repo

/// Where a point-in-time restore stops: a moment, a WAL position, or the end of the archive.
public enum RecoveryTarget: Sendable, Equatable {
    /// `text` as PostgreSQL's recovery_target_time takes it (with its offset), `date` the
    /// same moment.
    case time(text: String, date: Date)
    case lsn(text: String, position: UInt64)
    case latest

    /// Parses `2026-12-07 03:14:00`, with optional fractional seconds and an offset (`Z`,
    /// `+01`, `+01:00`, `-0500`); without one, the time is this machine's local time. The
    /// text given to PostgreSQL always carries the offset, so the server's time zone cannot
    /// change its meaning.
    public static func time(_ text: String) -> RecoveryTarget? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "T", with: " ")
        guard trimmed.count >= 19 else { return nil }
        let base = String(trimmed.prefix(19))
        var rest = Substring(trimmed.dropFirst(19))
        var fraction = 0.0
        if rest.hasPrefix(".") {
            let digits = rest.dropFirst().prefix { $0.isNumber }
            guard !digits.isEmpty, let value = Double("0." + digits) else { return nil }
            fraction = value
            rest = rest.dropFirst(1 + digits.count)
        }
        rest = rest.drop { $0 == " " }
        var zone: TimeZone? = .current
        if rest == "Z" || rest == "UTC" {
            zone = TimeZone(secondsFromGMT: 0)
        } else if let sign = rest.first, sign == "+" || sign == "-" {
            let digits = rest.dropFirst().filter { $0 != ":" }
            guard [2, 4].contains(digits.count), digits.allSatisfy(\.isNumber), let hours = Int(digits.prefix(2)),
                  let minutes = Int(digits.dropFirst(2).isEmpty ? "0" : String(digits.dropFirst(2))) else { return nil }
            zone = TimeZone(secondsFromGMT: (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60))
        } else if !rest.isEmpty {
            return nil
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = zone
        guard let whole = formatter.date(from: base) else { return nil }
        let date = whole.addingTimeInterval(fraction)
        return .time(text: Self.postgresText(date), date: date)
    }

    /// `date` in UTC with microseconds, as PostgreSQL reads a timestamptz.
    static func postgresText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        let micros = Int((date.timeIntervalSince1970 - floor(date.timeIntervalSince1970)) * 1_000_000)
        return formatter.string(from: date) + String(format: ".%06d+00", micros)
    }

    public static func lsn(_ text: String) -> RecoveryTarget? {
        LSN.parse(text).map { .lsn(text: LSN.format($0), position: $0) }
    }

    /// The postgresql.auto.conf lines that say it.
    var settings: [String] {
        switch self {
        case .time(let text, _): return ["recovery_target_time = '\(text)'", "recovery_target_action = 'promote'"]
        case .lsn(let text, _): return ["recovery_target_lsn = '\(text)'", "recovery_target_action = 'promote'"]
        case .latest: return []
        }
    }

    /// Whether a base backup can reach the target: it must have ended before it.
    func reachable(from backup: PostgresBaseBackup) -> Bool {
        switch self {
        case .time(_, let date): return backup.stopTime <= date
        case .lsn(_, let position): return (LSN.parse(backup.stopLSN) ?? .max) <= position
        case .latest: return true
        }
    }
}
