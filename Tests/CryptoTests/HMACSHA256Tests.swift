import Crypto
import TestSupport
import Testing

struct HMACSHA256Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let key: [UInt8]
        let data: [UInt8]
        /// Case 5 publishes only the first 128 bits of its MAC.
        let mac: String

        var testDescription: String { name }
    }

    /// RFC 4231 §4.2–4.8.
    static let rfc4231: [Vector] = [
        Vector(name: "case 1", key: [UInt8](repeating: 0x0B, count: 20), data: Array("Hi There".utf8),
               mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        Vector(name: "case 2", key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
               mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        Vector(name: "case 3", key: [UInt8](repeating: 0xAA, count: 20), data: [UInt8](repeating: 0xDD, count: 50),
               mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        Vector(name: "case 4", key: bytes(hex: "0102030405060708090a0b0c0d0e0f10111213141516171819"),
               data: [UInt8](repeating: 0xCD, count: 50),
               mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        Vector(name: "case 5", key: [UInt8](repeating: 0x0C, count: 20), data: Array("Test With Truncation".utf8),
               mac: "a3b6167473100ee06e0c796c2955552b"),
        Vector(name: "case 6", key: [UInt8](repeating: 0xAA, count: 131),
               data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
               mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        Vector(name: "case 7", key: [UInt8](repeating: 0xAA, count: 131),
               data: Array(("This is a test using a larger than block-size key and a larger than block-size data. "
                   + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
               mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: rfc4231)
    func knownAnswer(_ vector: Vector) {
        let key = SymmetricKey(bytes: vector.key)
        let mac = HMACSHA256.authenticate(vector.data, key: key)
        #expect(mac.hex.hasPrefix(vector.mac))

        let hasher = HMACSHA256Hasher(key: key)
        hasher.update(vector.data)
        #expect(hasher.finalize() == mac)
        #expect(HMACSHA256.isValid(mac, for: vector.data, key: key))
    }

    /// An empty key is legal (RFC 2104 pads every key with zeros); checked against
    /// `openssl mac -digest SHA256 -macopt hexkey: HMAC`.
    @Test func emptyKey() {
        let mac = HMACSHA256.authenticate(Array("abc".utf8), key: SymmetricKey(bytes: []))
        #expect(mac.hex == "fd7adb152c05ef80dccf50a1fa4c05d5a3ec6da95575fc312ae7c5d091836351")
    }

    /// The hot path: one keyed hasher, restarted for message after message.
    @Test func reusedHasherMatchesOneShot() {
        var random = SeededGenerator(seed: 3)
        let key = SymmetricKey(bytes: random.bytes(count: 32))
        let hasher = HMACSHA256Hasher(key: key)
        for index in 0..<300 {
            let message = random.bytes(count: Int.random(in: 0...(index.isMultiple(of: 50) ? 70_000 : 300), using: &random))
            message.withUnsafeBytes { message in
                for piece in random.pieces(of: message.count, maximum: 100) {
                    hasher.update(UnsafeRawBufferPointer(rebasing: message[piece]))
                }
            }
            #expect(hasher.finalize() == HMACSHA256.authenticate(message, key: key))
        }
    }

    @Test func resetDiscardsPendingInput() {
        let key = SymmetricKey.random(byteCount: 32)
        let hasher = HMACSHA256Hasher(key: key)
        hasher.update(Array("garbage".utf8))
        hasher.reset()
        hasher.update(Array("abc".utf8))
        #expect(hasher.finalize() == HMACSHA256.authenticate(Array("abc".utf8), key: key))
    }

    @Test func isValidRejectsWrongMacDataOrKey() {
        let key = SymmetricKey.random(byteCount: 32)
        let data = Array("message".utf8)
        let mac = HMACSHA256.authenticate(data, key: key)
        var forged = mac.bytes
        forged[31] ^= 1
        #expect(!HMACSHA256.isValid(forged.withUnsafeBytes { Digest256(bytes: $0) }, for: data, key: key))
        #expect(!HMACSHA256.isValid(mac, for: Array("massage".utf8), key: key))
        #expect(!HMACSHA256.isValid(mac, for: data, key: SymmetricKey.random(byteCount: 32)))
    }
}
