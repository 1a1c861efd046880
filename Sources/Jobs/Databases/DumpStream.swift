/// A dump being produced: bytes to read from `fileDescriptor` until EOF, then `finish()`
/// to learn whether they are the whole, good dump.
public final class DumpStream: @unchecked Sendable {
    public let fileDescriptor: Int32
    private let finishing: () throws -> Void

    public init(fileDescriptor: Int32, finish: @escaping () throws -> Void) {
        self.fileDescriptor = fileDescriptor
        self.finishing = finish
    }

    /// Waits for the producer; throws if the dump failed. Call once, after reading to EOF.
    public func finish() throws { try finishing() }
}
