import Foundation

/// A bandwidth limit as users write it, in bytes per second.
///
/// A bare number is KiB/s (as restic and rclone read it). Units, case-insensitive, with
/// an optional `/s`: `K`/`KiB`, `M`/`MiB`, `G`/`GiB` (binary); `KB`, `MB`, `GB` (decimal);
/// `kbit`, `Mbit`, `Gbit` (decimal bits, as uplinks are sold). Fractions are allowed
/// (`1.5M`). From 1 KiB/s to 1 TiB/s.
public enum BandwidthRate {
    public static let range: ClosedRange<Int> = 1024...(1 << 40)

    private static let units: [String: Double] = [
        "": 1024,
        "k": 1024, "kib": 1024, "m": 1_048_576, "mib": 1_048_576, "g": 1_073_741_824, "gib": 1_073_741_824,
        "kb": 1000, "mb": 1_000_000, "gb": 1_000_000_000,
        "kbit": 125, "mbit": 125_000, "gbit": 125_000_000,
    ]

    /// Bytes per second, or the reason `text` is not a rate.
    public static func parse(_ text: String) throws(BandwidthSyntaxError) -> Int {
        var unit = text.trimmingCharacters(in: .whitespaces).lowercased()
        if unit.hasSuffix("/s") { unit.removeLast(2) }
        let number = unit.prefix { $0.isNumber || $0 == "." }
        unit.removeFirst(number.count)
        unit = unit.trimmingCharacters(in: .whitespaces)
        guard let value = Double(number), value.isFinite, let scale = units[unit] else {
            throw BandwidthSyntaxError("\(text.debugDescription) is not a rate: write KiB/s as a number, or with a unit (500K, 2MiB, 1.5M, 10Mbit)")
        }
        let bytes = value * scale
        guard bytes >= Double(range.lowerBound), bytes <= Double(range.upperBound) else {
            throw BandwidthSyntaxError("\(text.debugDescription) is out of range: a rate is from 1 KiB/s to 1 TiB/s (write `off` for no limit)")
        }
        return Int(bytes)
    }

    /// `2 MiB/s`, `512 KiB/s`: how messages name a rate.
    public static func describe(_ bytesPerSecond: Int) -> String {
        let value = Double(bytesPerSecond)
        if value >= Double(1 << 20) { return String(format: "%.3g MiB/s", value / Double(1 << 20)) }
        return String(format: "%.3g KiB/s", value / 1024)
    }
}

/// Why a rate or a timetable could not be read: one line, naming the text.
public struct BandwidthSyntaxError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
