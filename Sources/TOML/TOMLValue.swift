/// A value read from a TOML document.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    /// An offset date-time, local date-time, local date or local time, checked for shape
    /// and kept as written: the job files that use this reader have no dates to compute
    /// with, and keeping the text avoids choosing a calendar type for them.
    case dateTime(String)
    case array([TOMLNode])
    case table(TOMLTable)

    /// The kind of value with its article, to be dropped into messages such as
    /// "must be a string, not an array".
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .dateTime: return "a date-time"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}
