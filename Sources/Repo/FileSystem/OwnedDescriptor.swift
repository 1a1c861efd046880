#if canImport(Glibc)
import Glibc
#endif

/// A file descriptor closed when the last reference to it goes away, so that no error path
/// can leak one and none is closed while another thread still writes through it.
final class OwnedDescriptor: Sendable {
    let raw: Int32

    init(_ raw: Int32) {
        self.raw = raw
    }

    deinit {
        // Not retried on EINTR: Linux releases the descriptor even then, and a retry could
        // close one that another thread has just been given.
        close(raw)
    }
}
