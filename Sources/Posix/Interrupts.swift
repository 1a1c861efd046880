#if canImport(Glibc)
import Glibc
#endif

/// Runs a system call that returns -1 and sets `errno` on failure, again while a signal
/// interrupts it (EINTR): on Linux `open`, `read` and `write` on slow filesystems (NFS, FUSE)
/// can be interrupted without failing, and a signal handler installed anywhere in the process
/// must not turn into a failed backup.
@discardableResult
@inline(__always)
public func retryingOnInterrupt<Result: FixedWidthInteger>(_ call: () -> Result) throws(Errno) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = Errno.current
        if error != .interrupted { throw error }
    }
}
