#if canImport(Glibc)
import Glibc
#endif

/// The `errno` of a failed system call, carried as a typed error so that the backend can
/// name the path and the operation when it turns it into a `BackendError`.
struct Errno: Error, Equatable, Sendable {
    let code: Int32

    /// The current thread's `errno`, read right after the call that failed.
    static var current: Errno { Errno(code: errno) }

    static let interrupted = Errno(code: EINTR)
    static let noSuchFile = Errno(code: ENOENT)
    static let exists = Errno(code: EEXIST)
    static let notDirectory = Errno(code: ENOTDIR)
}

extension BackendError {
    /// `.io` for `errno` raised while doing `operation` on `path`.
    init(_ errno: Errno, _ operation: String, _ path: String) {
        self = .io(operation: operation, path: path, errno: errno.code)
    }
}

/// Runs a system call again while it is interrupted by a signal, which on Linux can happen
/// to `open`, `read` and `write` on slow filesystems (NFS, FUSE) without meaning failure.
@inline(__always)
func retryingOnInterrupt<Result: BinaryInteger>(_ call: () -> Result) throws(Errno) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = Errno.current
        if error != .interrupted { throw error }
    }
}
