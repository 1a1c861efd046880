import Posix

/// Why the local cache could not be opened. Once open, the cache never throws: it is
/// bypassed instead (see `LocalCache`).
public enum CacheError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The repository id would not name a single directory inside the cache directory.
    case invalidRepositoryID(String)
    /// The cache's directory could not be created.
    case cannotCreateDirectory(path: String, errno: Int32)
    /// The database could not be opened, even after starting afresh.
    case database(path: String, message: String)

    public var description: String {
        switch self {
        case .invalidRepositoryID(let id): return "invalid repository id \"\(id)\" for the cache"
        case .cannotCreateDirectory(let path, let code):
            return "cannot create cache directory \(path): \(Errno.message(code))"
        case .database(let path, let message): return "cannot open cache \(path): \(message)"
        }
    }
}
