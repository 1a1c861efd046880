#if canImport(Glibc)
import Glibc
#endif

/// The `errno` of a failed system call, carried as a typed error (`throws(Errno)`) so that
/// the caller, which knows the operation and the path, can phrase it for people: the storage
/// layer as a `BackendError`, the file-system layer as a `FileSystemError`. Callers compare
/// it with the failures they expect (`.exists`, `.noSuchFile`, `Errno(ENOTSUP)`).
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public let code: Int32

    public init(_ code: Int32) {
        self.code = code
    }

    /// The current thread's `errno`, read right after the call that failed.
    public static var current: Errno { Errno(errno) }

    public static let interrupted = Errno(EINTR)
    public static let noSuchFile = Errno(ENOENT)
    public static let exists = Errno(EEXIST)
    public static let notDirectory = Errno(ENOTDIR)

    /// The C library's text for the error ("No such file or directory").
    public var description: String { Errno.message(code) }

    /// The C library's text for error number `code`.
    public static func message(_ code: Int32) -> String { String(cString: strerror(code)) }
}
