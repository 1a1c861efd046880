/// The name of a file PostgreSQL archives: a WAL segment (`000000010000000A000000FF`), a
/// timeline history file (`00000002.history`), a backup history file
/// (`000000010000000000000002.00000028.backup`) or a partial segment
/// (`000000010000000000000005.partial`). Anything else is refused: the name comes from
/// the command line and ends up in a path at fetch time.
public struct WALFileName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case segment, history, backup, partial
    }

    public let text: String
    public let kind: Kind
    /// The timeline (for every kind).
    public let timeline: UInt32
    /// The 64-bit segment position `log * 2^32 + segment`, as the name's digits say
    /// (history files: 0). The segment number within the WAL, for a segment size `size`,
    /// is `log * (2^32 / size) + segment` (`sequence`).
    public let log: UInt32
    public let segment: UInt32

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        func hex(_ range: Range<Int>) -> UInt32? {
            guard range.upperBound <= bytes.count else { return nil }
            let digits = bytes[range]
            guard digits.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x46).contains($0) }) else { return nil }
            return UInt32(String(decoding: digits, as: UTF8.self), radix: 16)
        }
        guard let timeline = hex(0..<8), timeline > 0 else { return nil }
        self.text = text
        self.timeline = timeline
        if bytes.count == 16, text.hasSuffix(".history") {
            kind = .history
            log = 0
            segment = 0
            return
        }
        guard let log = hex(8..<16), let segment = hex(16..<24) else { return nil }
        self.log = log
        self.segment = segment
        switch bytes.count {
        case 24: kind = .segment
        case 32 where text.hasSuffix(".partial"): kind = .partial
        case 40 where text.hasSuffix(".backup") && bytes[24] == UInt8(ascii: ".") && hex(25..<33) != nil: kind = .backup
        default: return nil
        }
    }

    /// The segment's name: `timeline log segment`, 24 hex digits.
    public static func segmentName(timeline: UInt32, log: UInt32, segment: UInt32) -> String {
        hex8(timeline) + hex8(log) + hex8(segment)
    }

    static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// The segment's position in the WAL for segments of `segmentSize` bytes.
    public func sequence(segmentSize: UInt64) -> UInt64 {
        UInt64(log) * ((1 << 32) / segmentSize) + UInt64(segment)
    }

    /// The name of the segment at `sequence` on `timeline`.
    public static func segment(timeline: UInt32, sequence: UInt64, segmentSize: UInt64) -> String {
        let perLog = (1 << 32) / segmentSize
        return segmentName(timeline: timeline, log: UInt32(sequence / perLog), segment: UInt32(sequence % perLog))
    }

    /// The segment that holds `lsn` (a position such as `0/2000028`) on `timeline`.
    public static func segment(containing lsn: UInt64, timeline: UInt32, segmentSize: UInt64) -> String {
        segment(timeline: timeline, sequence: lsn / segmentSize, segmentSize: segmentSize)
    }

    public var description: String { text }

    public static func < (a: WALFileName, b: WALFileName) -> Bool { a.text < b.text }
}

/// A WAL position as PostgreSQL prints it: two hex numbers, `high/low` (`0/2000028`).
public enum LSN {
    public static func parse(_ text: String) -> UInt64? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let high = UInt32(parts[0], radix: 16), let low = UInt32(parts[1], radix: 16) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    public static func format(_ lsn: UInt64) -> String {
        String(UInt32(lsn >> 32), radix: 16, uppercase: true) + "/" + String(UInt32(truncatingIfNeeded: lsn), radix: 16, uppercase: true)
    }
}
