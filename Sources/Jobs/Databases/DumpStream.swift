import Synchronization

/// A dump being produced: bytes to read from `fileDescriptor` until EOF, then `finish()`
/// to learn whether they are the whole, good dump.
public final class DumpStream: Sendable {
    public let fileDescriptor: Int32
    private let finishing: @Sendable () throws -> Void
    /// The outcome of the one real `finish`: later calls repeat it, so a caller that
    /// finishes again after an error never closes a descriptor twice.
    private let outcome = Mutex<Result<Void, any Error>?>(nil)

    public init(fileDescriptor: Int32, finish: @escaping @Sendable () throws -> Void) {
        self.fileDescriptor = fileDescriptor
        self.finishing = finish
    }

    /// Waits for the producer (closing the reading end first, so a producer blocked on a
    /// full pipe ends); throws if the dump failed. Safe to call more than once.
    public func finish() throws {
        let result = outcome.withLock { stored in
            if let stored { return stored }
            let result = Result { try finishing() }
            stored = result
            return result
        }
        try result.get()
    }
}
