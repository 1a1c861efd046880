/// A pack named on the command line that cannot be repaired.
public enum PackRepairError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAPackID(String)
    case packNotFound(String)
    case ambiguousPack(String, [String])

    public var description: String {
        switch self {
        case .notAPackID(let spec): return "\(spec.debugDescription) is not a pack id (hexadecimal digits): see `repo check --read-data`"
        case .packNotFound(let spec):
            return "no pack matches \(spec.debugDescription) (in the index, or stored and in no index): see `repo check`"
        case .ambiguousPack(let spec, let ids):
            return "\(spec.debugDescription) matches several packs (\(ids.prefix(5).joined(separator: ", "))): give more of the id"
        }
    }
}
