import Crypto
import Testing

struct SymmetricKeyTests {
    @Test func descriptionNeverShowsTheKey() {
        let key = SymmetricKey.random(byteCount: 32)
        let keyHex = key.withUnsafeBytes { hex($0) }
        for text in [key.description, "\(key)", String(describing: key), String(reflecting: key)] {
            #expect(text == "SymmetricKey(<redacted>, 32 bytes)")
            #expect(!text.contains(keyHex))
            #expect(!text.contains(String(keyHex.prefix(8))))
        }
    }

    @Test func holdsACopyOfTheBytes() {
        var bytes: [UInt8] = Array(0..<32)
        let key = SymmetricKey(bytes: bytes)
        bytes[0] = 0xFF
        #expect(key.byteCount == 32)
        #expect(key.withUnsafeBytes { Array($0) } == Array(0..<32))
        #expect(bytes.withUnsafeBytes { SymmetricKey(bytes: $0) }.withUnsafeBytes { Array($0) } == bytes)
    }

    @Test func randomKeysDiffer() {
        let first = SymmetricKey.random(byteCount: 32)
        let second = SymmetricKey.random(byteCount: 32)
        #expect(first.withUnsafeBytes { Array($0) } != second.withUnsafeBytes { Array($0) })
        #expect(SymmetricKey.random(byteCount: 0).byteCount == 0)
    }
}
