#if canImport(Glibc)
import Glibc
#endif

/// A point in time as the kernel keeps it for a file: seconds since the Unix epoch (negative
/// before 1970) and nanoseconds within that second.
///
/// Kept as the two integers rather than a `Date` so that a restore sets exactly the time that
/// was read, to the nanosecond; a `Double` cannot hold nanoseconds this far from 1970.
public struct Timestamp: Sendable, Hashable, Comparable, Codable {
    public var seconds: Int64
    /// 0 ..< 1_000_000_000.
    public var nanoseconds: UInt32

    public init(seconds: Int64, nanoseconds: UInt32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    init(_ time: timespec) {
        self.init(seconds: Int64(time.tv_sec), nanoseconds: UInt32(time.tv_nsec))
    }

    var systemTime: timespec {
        timespec(tv_sec: Int(seconds), tv_nsec: Int(nanoseconds))
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }
}
