import Foundation

/// Durations in job files and on the command line: `90s`, `30m`, `12h`, `2d`, `1w`, `0`,
/// or several joined (`1h30m`).
public enum JobDuration {
    public static func parse(_ text: String) -> TimeInterval? {
        if text == "0" { return 0 }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        var total = 0.0, number = "", sawUnit = false
        for character in text {
            if character.isNumber || character == "." {
                number.append(character)
            } else if let unit = units[character], let value = Double(number), value >= 0 {
                total += value * unit
                number = ""
                sawUnit = true
            } else {
                return nil
            }
        }
        return number.isEmpty && sawUnit ? total : nil
    }

    /// `1h30m`-style text for messages.
    public static func format(_ seconds: TimeInterval) -> String {
        if seconds < 60 { return String(format: seconds < 10 ? "%.1fs" : "%.0fs", seconds) }
        let whole = Int(seconds.rounded())
        let (hours, minutes, rest) = (whole / 3600, whole % 3600 / 60, whole % 60)
        if hours > 0 { return minutes > 0 ? "\(hours)h\(minutes)m" : "\(hours)h" }
        return rest > 0 ? "\(minutes)m\(rest)s" : "\(minutes)m"
    }
}
