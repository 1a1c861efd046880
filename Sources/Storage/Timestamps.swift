import Foundation

/// RFC 3339 times in UTC with microseconds, as stored in snapshots and keys.
public enum Timestamps {
    public static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = floor(seconds)
        let micros = Int(((seconds - whole) * 1_000_000).rounded())
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, min(micros, 999_999))
    }

    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) {
            // ISO8601DateFormatter keeps milliseconds only; restore the microseconds.
            if let dot = text.firstIndex(of: "."), let end = text.firstIndex(where: { $0 == "Z" || $0 == "+" }) {
                let fraction = text[text.index(after: dot)..<end]
                if let value = Double("0." + fraction) { return Date(timeIntervalSince1970: floor(date.timeIntervalSince1970) + value) }
            }
            return date
        }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
