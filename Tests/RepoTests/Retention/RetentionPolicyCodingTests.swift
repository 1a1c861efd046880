import Foundation
@testable import Repo
import Testing

/// The stored JSON form of a policy: fixed snake_case keys, durations as text, unknown keys
/// refused.
@Suite struct RetentionPolicyCodingTests {
    static let full = RetentionPolicy(
        keepLast: 5, keepHourly: 24, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: -1,
        keepWithin: RetentionDuration(years: 1, months: 6), keepWithinHourly: RetentionDuration(hours: 12),
        keepWithinDaily: RetentionDuration(days: 30), keepWithinWeekly: RetentionDuration(weeks: 8),
        keepWithinMonthly: RetentionDuration(years: 2), keepWithinYearly: RetentionDuration(years: 10),
        keepTags: ["nightly", "manual"])

    static func encode(_ policy: RetentionPolicy) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(policy), as: UTF8.self)
    }

    static func decode(_ json: String) throws -> RetentionPolicy {
        try JSONDecoder().decode(RetentionPolicy.self, from: Data(json.utf8))
    }

    /// These bytes are a format: if this test fails, stored policies no longer read back.
    @Test func stableKeys() throws {
        let json = try Self.encode(Self.full)
        #expect(json == #"{"keep_daily":7,"keep_hourly":24,"keep_last":5,"keep_monthly":12,"keep_tags":["nightly","manual"],"#
            + #""keep_weekly":4,"keep_within":"1y6m","keep_within_daily":"30d","keep_within_hourly":"12h","#
            + #""keep_within_monthly":"2y","keep_within_weekly":"8w","keep_within_yearly":"10y","keep_yearly":-1}"#)
        #expect(try Self.decode(json) == Self.full)
        #expect(try Self.decode(try Self.encode(Self.full)) == Self.full)
    }

    /// Rules that are not set are left out and read back as not set; zero durations are
    /// rules that are off and are left out too.
    @Test func minimalPolicies() throws {
        #expect(try Self.encode(RetentionPolicy()) == "{}")
        #expect(try Self.decode("{}") == RetentionPolicy())
        #expect(try Self.encode(RetentionPolicy(keepDaily: 7)) == #"{"keep_daily":7}"#)
        #expect(try Self.decode(#"{"keep_daily":7}"#) == RetentionPolicy(keepDaily: 7))
        #expect(try Self.decode(#"{"keep_within":"30d","keep_tags":[]}"#) == RetentionPolicy(keepWithin: RetentionDuration(days: 30)))
        #expect(try Self.encode(RetentionPolicy(keepWithin: RetentionDuration(), keepTags: [])) == "{}")
        #expect(try Self.decode(#"{"keep_last":null}"#) == RetentionPolicy())
    }

    /// A key this version does not know may be a rule from a newer version; ignoring it
    /// would keep fewer snapshots than the user asked for.
    @Test func unknownKeysAreRefused() {
        #expect(throws: DecodingError.self) { try Self.decode(#"{"keep_daily":7,"keep_secondly":60}"#) }
        #expect(throws: DecodingError.self) { try Self.decode(#"{"keepDaily":7}"#) }
    }

    @Test func badValuesAreRefused() {
        for json in [#"{"keep_within":"30x"}"#, #"{"keep_within":"0d"}"#, #"{"keep_within":30}"#,
                     #"{"keep_daily":"7"}"#, #"{"keep_tags":"nightly"}"#, #"[]"#] {
            #expect(throws: DecodingError.self, "\(json)") { try Self.decode(json) }
        }
    }

    @Test func durationEncodesAsText() throws {
        let encoded = String(decoding: try JSONEncoder().encode([RetentionDuration(years: 1, days: 3)]), as: UTF8.self)
        #expect(encoded == #"["1y3d"]"#)
        #expect(try JSONDecoder().decode([RetentionDuration].self, from: Data(#"["2w"]"#.utf8)) == [RetentionDuration(weeks: 2)])
    }
}
