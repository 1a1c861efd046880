import Foundation

/// A calendar span such as `30d`, `2w`, `1y6m` or `1y2m3d4h`, as the `keep-within*` rules
/// take it.
///
/// It is a calendar duration, not a number of seconds, because users think of retention in
/// calendar terms: "six months" back from 31 August is 29 February, not 184 × 86400 seconds
/// earlier, and "a day" across a daylight saving change is 23 or 25 hours. Years, months,
/// weeks and days therefore step through the calendar of the time zone the policy is applied
/// in; hours are exact hours (3600 seconds), as in restic.
///
/// Weeks are kept apart from days (rather than folded into `days × 7`) so that the text the
/// user wrote comes back unchanged in reasons ("within 2w") and in the stored policy.
///
/// The text form is the canonical representation, in `description` and in JSON: one or more
/// `<number><unit>` pairs with units `y`, `m`, `w`, `d`, `h`, each unit at most once and
/// largest first. Anything else is rejected by `init(parsing:)` with a
/// `RetentionDurationError` that says what is wrong.
public struct RetentionDuration: Sendable, Hashable, CustomStringConvertible {
    public var years: Int
    public var months: Int
    public var weeks: Int
    public var days: Int
    public var hours: Int

    /// The largest number accepted for one unit. Far beyond any useful retention (a million
    /// hours is 114 years) yet small enough that calendar arithmetic never overflows.
    public static let maximumUnitCount = 1_000_000

    /// Components must be between 0 and `maximumUnitCount`; a duration of all zeros is
    /// valid as a value but keeps nothing (`isZero`), and `init(parsing:)` refuses it.
    public init(years: Int = 0, months: Int = 0, weeks: Int = 0, days: Int = 0, hours: Int = 0) {
        for value in [years, months, weeks, days, hours] {
            precondition((0...Self.maximumUnitCount).contains(value),
                         "RetentionDuration components must be in 0...\(Self.maximumUnitCount), got \(value)")
        }
        self.years = years
        self.months = months
        self.weeks = weeks
        self.days = days
        self.hours = hours
    }

    /// Parses the text form (`30d`, `1y6m`, `2w`, `12h`, `1y2m3d4h`). No spaces, signs,
    /// fractions or upper-case units; a zero duration is refused because "keep within 0d"
    /// would silently keep nothing.
    public init(parsing text: String) throws(RetentionDurationError) {
        func fail(_ problem: RetentionDurationError.Problem) -> RetentionDurationError {
            RetentionDurationError(input: text, problem: problem)
        }
        guard !text.isEmpty else { throw fail(.empty) }
        var values: [Unit: Int] = [:]
        var previousUnit: Unit?
        var digits = ""
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let unit = Unit(rawValue: character) else {
                throw fail(character.isLetter ? .unknownUnit(character) : .unexpectedCharacter(character))
            }
            guard !digits.isEmpty else { throw fail(.missingNumber(before: unit.rawValue)) }
            guard values[unit] == nil else { throw fail(.repeatedUnit(unit.rawValue)) }
            if let previousUnit, previousUnit.rank >= unit.rank {
                throw fail(.unitsOutOfOrder(unit.rawValue, after: previousUnit.rawValue))
            }
            // Leading zeros are harmless; drop them so a long run of zeros cannot overflow.
            let significant = digits.drop { $0 == "0" }
            guard significant.count <= 7, let value = Int(significant.isEmpty ? "0" : String(significant)),
                  value <= Self.maximumUnitCount else {
                throw fail(.numberTooLarge(digits, unit: unit.rawValue))
            }
            values[unit] = value
            previousUnit = unit
            digits = ""
        }
        guard digits.isEmpty else { throw fail(.missingUnit(after: digits)) }
        self.init(years: values[.year] ?? 0, months: values[.month] ?? 0, weeks: values[.week] ?? 0,
                  days: values[.day] ?? 0, hours: values[.hour] ?? 0)
        guard !isZero else { throw fail(.zero) }
    }

    /// True when the duration spans nothing; a rule with a zero duration keeps nothing.
    public var isZero: Bool { years == 0 && months == 0 && weeks == 0 && days == 0 && hours == 0 }

    /// The canonical text form: nonzero units largest first (`1y6m`, `2w`); `0h` when zero.
    public var description: String {
        let parts = [(years, Unit.year), (months, .month), (weeks, .week), (days, .day), (hours, .hour)]
            .filter { $0.0 != 0 }
            .map { "\($0.0)\($0.1.rawValue)" }
        return parts.isEmpty ? "0h" : parts.joined()
    }

    /// The instant this duration before `anchor`: years, months, weeks and days stepped back
    /// through `calendar` (so in its time zone, with the day of month clamped to the shorter
    /// month: 31 August minus 6 months is 29 February in a leap year), then hours subtracted
    /// as exact hours. If the calendar cannot represent the result, the distant past.
    func start(before anchor: Date, in calendar: Calendar) -> Date {
        var components = DateComponents()
        components.year = -years
        components.month = -months
        components.day = -(weeks * 7 + days)
        let calendarPart = (years == 0 && months == 0 && weeks == 0 && days == 0)
            ? anchor : calendar.date(byAdding: components, to: anchor)
        guard let calendarPart else { return .distantPast }
        return calendarPart.addingTimeInterval(-3600 * Double(hours))
    }

    /// The units of the text form, ranked largest first.
    enum Unit: Character, CaseIterable {
        case year = "y", month = "m", week = "w", day = "d", hour = "h"

        var rank: Int { Self.allCases.firstIndex(of: self)! }
    }
}

extension RetentionDuration: Codable {
    /// Stored as its text form (`"1y6m"`), which is stable, readable in the repository
    /// config, and validated again on decoding.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try RetentionDuration(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
