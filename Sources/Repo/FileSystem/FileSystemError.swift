import Posix

#if canImport(Glibc)
import Glibc
#endif

/// A file-system failure, phrased for the person who must fix it; every case names the path.
public enum FileSystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kernel refused: `operation` is what was being done ("read", "open directory"),
    /// `path` the entry as shown to people (see `FilePath.description`).
    case system(operation: String, path: String, errno: Int32)
    /// A name that could escape its directory or that no file can have: empty, `.`, `..`, or
    /// containing `/` or NUL. Refused before any system call sees it.
    case unsafeName(String)
    /// The entry was listed by its directory but was gone when it was read: it was deleted
    /// or renamed during the walk. Expected on a live system, so callers may treat it lightly.
    case vanished(String)
    /// An entry of a type this program cannot read or create there.
    case unsupportedType(path: String)

    public var description: String {
        switch self {
        case .system(let operation, let path, let code):
            "cannot \(operation) \(path): \(Errno.message(code))"
        case .unsafeName(let name):
            "refusing unsafe file name \"\(name)\""
        case .vanished(let path):
            "\(path) vanished while it was being read"
        case .unsupportedType(let path):
            "\(path): file type not supported here"
        }
    }
}

extension Errno {
    /// The failure as a `FileSystemError` naming what was being done to which path.
    func error(_ operation: String, _ path: @autoclosure () -> String) -> FileSystemError {
        .system(operation: operation, path: path(), errno: code)
    }
}
