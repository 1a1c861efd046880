/// A `FileDescriptor` shared by several owners and closed when the last reference to it
/// goes away, so that no error path can leak it and none closes it while another thread
/// still writes through it (a restore's directories and files, used by several workers).
/// Only the ownership: every system call goes through `descriptor`.
public final class OwnedDescriptor: Sendable {
    public let descriptor: FileDescriptor

    /// Takes ownership of `descriptor`.
    public init(_ descriptor: FileDescriptor) {
        self.descriptor = descriptor
    }

    /// The descriptor's number, for the `*at` calls.
    public var rawValue: Int32 { descriptor.rawValue }

    deinit {
        try? descriptor.close()
    }
}
