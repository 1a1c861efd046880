import Foundation

/// Spans of time as people write them in options and settings: `90s`, `30m`, `12h`, `2d`,
/// `1w`, `500ms`, `0`, or several parts together (`1h30m`). The one parser of durations:
/// command-line options, job files and the storage layer's settings (REPO_S3_*_TIMEOUT).
public enum TimeSpan {
    private static let units: [(suffix: Character, seconds: Double)] = [("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]

    /// The longest span accepted: 36500 days (about 100 years). Far beyond any useful wait
    /// or grace, and small enough that adding it to a date or converting it to whole
    /// seconds never overflows.
    public static let maximum: TimeInterval = 36500 * 86400

    /// The accepted range, as messages name it.
    public static let rangeText = "from 0 to \(describe(maximum))"

    /// The seconds `text` stands for, or nil when it is not a span or longer than `maximum`.
    /// Parts add up: `1h30m`.
    public static func parse(_ text: String) -> TimeInterval? {
        if text == "0" { return 0 }
        var total = 0.0, number = "", parts = 0
        let characters = Array(text)
        var position = 0
        while position < characters.count {
            let character = characters[position]
            position += 1
            // `ms` is a unit of its own, not minutes followed by seconds.
            let milliseconds = character == "m" && position < characters.count && characters[position] == "s"
            if milliseconds { position += 1 }
            if let scale = milliseconds ? 0.001 : units.first(where: { $0.suffix == character })?.seconds {
                guard let value = Double(number), value >= 0, value.isFinite else { return nil }
                total += value * scale
                number = ""
                parts += 1
            } else if character.isASCII && (character.isNumber || character == ".") {
                number.append(character)
            } else {
                return nil
            }
        }
        return number.isEmpty && parts > 0 && total <= maximum ? total : nil
    }

    /// `seconds` in the largest unit that divides it (`300` is `5m`), as `parse` reads it.
    public static func describe(_ seconds: TimeInterval) -> String {
        for unit in units where seconds >= unit.seconds && seconds.truncatingRemainder(dividingBy: unit.seconds) == 0 {
            return "\(Int(seconds / unit.seconds))\(unit.suffix)"
        }
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : String(format: "%.1fs", seconds)
    }

    /// A measured span for messages, as `parse` reads it: `4.2s` under a minute, else whole
    /// seconds (`10m0s`, `1h2m3s`).
    public static func describeElapsed(_ seconds: TimeInterval) -> String {
        guard seconds >= 59.95 else { return String(format: "%.1fs", max(0, seconds)) }
        let whole = Int(seconds.rounded())
        let (hours, minutes, rest) = (whole / 3600, whole % 3600 / 60, whole % 60)
        return hours > 0 ? "\(hours)h\(minutes)m\(rest)s" : "\(minutes)m\(rest)s"
    }
}
