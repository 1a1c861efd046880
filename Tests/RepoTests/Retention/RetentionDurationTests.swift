import Foundation
@testable import Repo
import Testing

/// Parsing and printing `keep-within` durations.
@Suite struct RetentionDurationTests {
    @Test(arguments: [
        ("30d", RetentionDuration(days: 30), "30d"),
        ("1y6m", RetentionDuration(years: 1, months: 6), "1y6m"),
        ("2w", RetentionDuration(weeks: 2), "2w"),
        ("12h", RetentionDuration(hours: 12), "12h"),
        ("1y2m3d4h", RetentionDuration(years: 1, months: 2, days: 3, hours: 4), "1y2m3d4h"),
        ("1y2m3w4d5h", RetentionDuration(years: 1, months: 2, weeks: 3, days: 4, hours: 5), "1y2m3w4d5h"),
        ("007d", RetentionDuration(days: 7), "7d"),
        ("0y18m", RetentionDuration(months: 18), "18m"),
        ("1000000h", RetentionDuration(hours: 1_000_000), "1000000h"),
        ("00000000001d", RetentionDuration(days: 1), "1d"),
    ])
    func parses(text: String, expected: RetentionDuration, canonical: String) throws {
        let parsed = try RetentionDuration(parsing: text)
        #expect(parsed == expected, "\(text)")
        #expect(parsed.description == canonical)
        #expect(try RetentionDuration(parsing: canonical) == parsed)
    }

    @Test(arguments: [
        ("", RetentionDurationError.Problem.empty),
        ("d", .missingNumber(before: "d")),
        ("1yd", .missingNumber(before: "d")),
        ("30", .missingUnit(after: "30")),
        ("1y6", .missingUnit(after: "6")),
        ("30x", .unknownUnit("x")),
        ("30D", .unknownUnit("D")),
        ("30days", .unknownUnit("a")),
        ("1s", .unknownUnit("s")),
        ("1.5d", .unexpectedCharacter(".")),
        ("-1d", .unexpectedCharacter("-")),
        ("+1d", .unexpectedCharacter("+")),
        (" 30d", .unexpectedCharacter(" ")),
        ("30d ", .unexpectedCharacter(" ")),
        ("1y 6m", .unexpectedCharacter(" ")),
        ("1d1d", .repeatedUnit("d")),
        ("1d1y", .unitsOutOfOrder("y", after: "d")),
        ("6m1y", .unitsOutOfOrder("y", after: "m")),
        ("1h1d", .unitsOutOfOrder("d", after: "h")),
        ("0d", .zero),
        ("0y0m0w0d0h", .zero),
        ("1000001d", .numberTooLarge("1000001", unit: "d")),
        ("99999999999999999999999y", .numberTooLarge("99999999999999999999999", unit: "y")),
        ("٣d", .unexpectedCharacter("٣")),
    ])
    func rejects(text: String, problem: RetentionDurationError.Problem) {
        #expect(throws: RetentionDurationError(input: text, problem: problem)) {
            try RetentionDuration(parsing: text)
        }
    }

    /// The message names the input and the problem and shows the syntax.
    @Test func errorMessagesAreClear() {
        let error = RetentionDurationError(input: "30x", problem: .unknownUnit("x"))
        #expect(error.description == "invalid duration \"30x\": unknown unit \"x\"; write numbers with units "
            + "y (years), m (months), w (weeks), d (days), h (hours), largest first, such as 30d, 2w, 12h or 1y6m")
        #expect(RetentionDurationError(input: "6m1y", problem: .unitsOutOfOrder("y", after: "m")).description
            .hasPrefix("invalid duration \"6m1y\": \"y\" comes after \"m\" (largest unit first);"))
        #expect(RetentionDurationError(input: "0d", problem: .zero).description
            .hasPrefix("invalid duration \"0d\": it is zero, which would keep nothing;"))
    }

    /// The largest durations step back to a date (or the distant past) without trapping.
    @Test func hugeDurationsKeepEverything() throws {
        let snapshots = ["1970-01-01 00:00", "2024-07-01 00:00"].map { RetentionFixtures.snapshot(at: $0) }
        for text in ["1000000y", "1000000m", "1000000w", "1000000d", "1000000h", "1000000y1000000m1000000w1000000d1000000h"] {
            let decisions = RetentionPolicy(keepWithin: try RetentionDuration(parsing: text)).decide(snapshots)
            #expect(decisions.allSatisfy { $0.keep }, "\(text)")
        }
    }

    @Test func zeroDurationIsNotARule() {
        #expect(RetentionDuration().isZero)
        #expect(RetentionDuration().description == "0h")
        #expect(!RetentionDuration(hours: 1).isZero)
    }
}
