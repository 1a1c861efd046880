import Foundation

/// Spans of time as people write them in options and settings: `90s`, `30m`, `12h`, `2d`,
/// `1w`, or `0`.
public enum TimeSpan {
    private static let units: [(suffix: Character, seconds: Double)] = [("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]

    /// The seconds `text` stands for, or nil when it is not a span.
    public static func parse(_ text: String) -> TimeInterval? {
        if text == "0" { return 0 }
        guard let last = text.last, let unit = units.first(where: { $0.suffix == last }),
              let value = Double(text.dropLast()), value >= 0, value.isFinite else { return nil }
        return value * unit.seconds
    }

    /// `seconds` in the largest unit that divides it (`300` is `5m`), as `parse` reads it.
    public static func describe(_ seconds: TimeInterval) -> String {
        for unit in units where seconds >= unit.seconds && seconds.truncatingRemainder(dividingBy: unit.seconds) == 0 {
            return "\(Int(seconds / unit.seconds))\(unit.suffix)"
        }
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : String(format: "%.1fs", seconds)
    }
}
