import Crypto
import Testing

struct SecureRandomTests {
    @Test func drawsDiffer() {
        #expect(SecureRandom.bytes(count: 32) != SecureRandom.bytes(count: 32))
        #expect(SecureRandom.uint64() != SecureRandom.uint64())
    }

    @Test func fillCoversTheWholeBuffer() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        buffer.withUnsafeMutableBytes { SecureRandom.fill($0) }
        #expect(buffer.contains { $0 != 0 })
        // Any 64-byte stretch left at zero would mean a piece was skipped; for random bytes
        // that has probability 2^-512.
        for start in stride(from: 0, to: buffer.count, by: 64) {
            #expect(buffer[start..<start + 64].contains { $0 != 0 }, "bytes \(start)..<\(start + 64) untouched")
        }
    }

    @Test func emptyRequests() {
        #expect(SecureRandom.bytes(count: 0).isEmpty)
        SecureRandom.fill(UnsafeMutableRawBufferPointer(start: nil, count: 0))
    }
}
