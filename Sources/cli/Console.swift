#if canImport(Glibc)
import Glibc
#endif

/// Raw writes to the standard streams, without C's `stdout`/`stderr` globals (shared
/// mutable state that Swift 6 rightly refuses to touch from anywhere).
enum Console {
    static func error(_ text: String) {
        write(STDERR_FILENO, text)
    }

    /// Flushes everything `print` has buffered, before raw writes to the same descriptor.
    static func flushOutput() { fflush(nil) }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }
}
