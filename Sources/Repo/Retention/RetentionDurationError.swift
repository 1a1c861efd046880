/// Why a text is not a retention duration. The description names the input and the problem
/// and shows the accepted syntax, so the CLI can print it as it is.
public struct RetentionDurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text that failed to parse.
    public let input: String
    public let problem: Problem

    public enum Problem: Equatable, Sendable {
        case empty
        /// A letter that is not one of `y`, `m`, `w`, `d`, `h` (upper case included).
        case unknownUnit(Character)
        /// Anything else that is neither a digit nor a unit: spaces, signs, dots.
        case unexpectedCharacter(Character)
        /// A unit with no number before it (`d`, `1yd`).
        case missingNumber(before: Character)
        /// Digits at the end with no unit after them (`30`, `1y6`).
        case missingUnit(after: String)
        case repeatedUnit(Character)
        /// Units must come largest first (`1y6m`, not `6m1y`).
        case unitsOutOfOrder(Character, after: Character)
        case numberTooLarge(String, unit: Character)
        /// All units are zero: such a rule would keep nothing.
        case zero
    }

    public init(input: String, problem: Problem) {
        self.input = input
        self.problem = problem
    }

    public var description: String {
        let why: String
        switch problem {
        case .empty: why = "it is empty"
        case .unknownUnit(let unit): why = "unknown unit \"\(unit)\""
        case .unexpectedCharacter(let character): why = "unexpected character \"\(character)\""
        case .missingNumber(let unit): why = "no number before \"\(unit)\""
        case .missingUnit(let digits): why = "\"\(digits)\" has no unit after it"
        case .repeatedUnit(let unit): why = "unit \"\(unit)\" appears twice"
        case .unitsOutOfOrder(let unit, let previous): why = "\"\(unit)\" comes after \"\(previous)\" (largest unit first)"
        case .numberTooLarge(let digits, let unit):
            why = "\(digits)\(unit) is too large (at most \(RetentionDuration.maximumUnitCount) per unit)"
        case .zero: why = "it is zero, which would keep nothing"
        }
        return "invalid duration \"\(input)\": \(why); write numbers with units y (years), m (months), w (weeks), "
            + "d (days), h (hours), largest first, such as 30d, 2w, 12h or 1y6m"
    }
}
