import Storage

/// An error that means the repository lacks or garbles what it should hold: an object that
/// does not decode, a blob not in the index, a pack gone or shorter than the index says.
/// Commands exit 13 (damage) for it, not 1.
public struct RepositoryDamage: Error, CustomStringConvertible {
    public let underlying: Error

    public init(underlying: Error) { self.underlying = underlying }

    public var description: String { "\(underlying)" }

    /// Whether `error` is damage rather than a failure to reach the repository.
    public static func isDamage(_ error: Error) -> Bool {
        switch error {
        case is FormatError, is RepositoryDamage: return true
        case let error as RepositoryError:
            if case .blobMissing = error { return true }
            return false
        case let error as BackendError:
            switch error {
            case .notFound, .truncated: return true
            default: return false
            }
        default:
            return false
        }
    }
}
