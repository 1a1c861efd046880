#if canImport(Glibc)
import Glibc
#endif
import Posix

/// Raw writes to the standard streams, without C's `stdout`/`stderr` globals (shared
/// mutable state that Swift 6 rightly refuses to touch from anywhere).
enum Console {
    static func error(_ text: String) {
        try? Array(text.utf8).withUnsafeBytes { try FileDescriptor(rawValue: STDERR_FILENO).writeAll($0) }
    }

    /// Flushes everything `print` has buffered, before raw writes to the same descriptor.
    static func flushOutput() { fflush(nil) }
}
