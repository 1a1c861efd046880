@testable import Storage

/// A `ByteStream` over bytes in memory: what a server sends, handed out in reads of at most
/// `readSize` bytes, then the end of the stream. Shared by the framing tests and the
/// `http-response` fuzz target (Fuzz/run.sh compiles this file into it).
final class MemoryByteStream: ByteStream {
    private let bytes: [UInt8]
    private let readSize: Int
    private var position = 0
    /// Runs before each read: the allocation tests look at the heap there, mid-answer.
    var beforeRead: () -> Void = {}

    init(_ bytes: [UInt8], readSize: Int = 4096) {
        self.bytes = bytes
        self.readSize = max(1, readSize)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPError) -> Int {
        beforeRead()
        let count = min(readSize, buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: count) }
        position += count
        return count
    }

    /// The request is not looked at.
    func write(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) {}

    var isStale: Bool { position < bytes.count }

    /// What was read so far counts as received; nothing is sent.
    var wireTotals: WireTotals { WireTotals(received: UInt64(position)) }

    func close() {}
}
