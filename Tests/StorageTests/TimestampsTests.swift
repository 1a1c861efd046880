import Foundation
@testable import Storage
import Testing

/// The RFC 3339 times of snapshots, key files and S3 listings.
struct TimestampsTests {
    /// ICU (behind ISO8601DateFormatter) divided by zero on a long fraction, so this key
    /// file's `created` crashed every command that read the key files. Found by the
    /// `key-file` fuzz target; run in a child process, where a crash fails the test.
    @Test func longFractionIsRefusedWithoutCrashing() async {
        await #expect(processExitsWith: .success) {
            let created = "2026-12-07T12:03:34.566999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999890Z"
            guard Timestamps.parse(created) == nil else { exit(3) }
        }
    }

    @Test func formattedTimesReadBackToTheMicrosecond() throws {
        for seconds in [0.0, 1_765_000_000.053321, -86_400.5, 951_782_400.999999] {
            let date = Date(timeIntervalSince1970: seconds)
            let parsed = try #require(Timestamps.parse(Timestamps.format(date)))
            #expect(abs(parsed.timeIntervalSince1970 - seconds) < 1e-6, "\(Timestamps.format(date))")
        }
    }

    @Test func readsTheFormsStoresWrite() {
        let cases: [(String, Double)] = [
            ("1970-01-01T00:00:00Z", 0),
            ("2026-01-02T03:04:05.000Z", 1_767_323_045),  // S3's Initiated
            ("2000-02-29T12:00:00.5Z", 951_825_600.5),
            ("2026-01-02T05:04:05+02:00", 1_767_323_045),
            ("2026-01-02T01:04:05.123456789-02:00", 1_767_323_045.123456789),
        ]
        for (text, seconds) in cases {
            #expect(Timestamps.parse(text).map { abs($0.timeIntervalSince1970 - seconds) < 1e-6 } == true, "\(text)")
        }
    }

    @Test func refusesWhatIsNoTime() {
        for text in ["", "2026-01-02", "2026-13-02T03:04:05Z", "2026-02-30T03:04:05Z", "2026-01-02T24:00:00Z",
                     "2026-01-02T03:04:05", "2026-01-02T03:04:05.Z", "2026-01-02T03:04:05.1234567890Z",
                     "2026-01-02T03:04:05Zjunk", "2026-01-02 03:04:05Z", "２026-01-02T03:04:05Z"] {
            #expect(Timestamps.parse(text) == nil, "\(text.debugDescription)")
        }
    }
}
