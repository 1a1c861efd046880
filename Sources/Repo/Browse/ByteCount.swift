import Foundation

/// Byte counts as people read them (`1.5 MiB`), for every layer that writes a summary.
public enum ByteCount {
    public static func text(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    public static func text(_ count: Int) -> String { text(UInt64(max(0, count))) }
}
