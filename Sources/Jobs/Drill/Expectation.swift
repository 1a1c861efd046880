import Foundation

/// What a drill query must answer: a comparison with a number (`> 0`, `>= 1000`, `= 3`,
/// `!= 0`, `< 5`, `<= 5`) or, for anything else, exactly that text.
public struct Expectation: Sendable, Equatable, CustomStringConvertible {
    public enum Comparison: String, Sendable, CaseIterable {
        // Longest first, so that `>=` is not read as `>` then `=0`.
        case atLeast = ">=", atMost = "<=", notEqual = "!=", equalTwice = "==", greater = ">", less = "<", equal = "="
    }

    public let comparison: Comparison?
    public let operand: String
    public let text: String

    /// Nil for an empty expectation or a comparison with a non-number.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        self.text = trimmed
        if let comparison = Comparison.allCases.first(where: { trimmed.hasPrefix($0.rawValue) }) {
            let operand = trimmed.dropFirst(comparison.rawValue.count).trimmingCharacters(in: .whitespaces)
            guard Double(operand) != nil else { return nil }
            self.comparison = comparison
            self.operand = operand
        } else {
            comparison = nil
            operand = trimmed
        }
    }

    /// Whether `answer` (a query's first column, as text) meets the expectation.
    public func isMet(by answer: String) -> Bool {
        let answer = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let comparison else { return answer == operand }
        guard let value = Double(answer), let bound = Double(operand) else { return false }
        switch comparison {
        case .greater: return value > bound
        case .atLeast: return value >= bound
        case .less: return value < bound
        case .atMost: return value <= bound
        case .equal, .equalTwice: return value == bound
        case .notEqual: return value != bound
        }
    }

    public var description: String { text }
}
