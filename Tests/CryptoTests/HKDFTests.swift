import Crypto
import Testing

struct HKDFTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let inputKey: [UInt8]
        let salt: [UInt8]
        let info: [UInt8]
        let okm: String

        var testDescription: String { name }
    }

    /// RFC 5869 appendix A.1–A.3.
    static let rfc5869: [Vector] = [
        Vector(name: "A.1 basic", inputKey: [UInt8](repeating: 0x0B, count: 22),
               salt: bytes(hex: "000102030405060708090a0b0c"), info: bytes(hex: "f0f1f2f3f4f5f6f7f8f9"),
               okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
        Vector(name: "A.2 longer inputs", inputKey: Array(0x00...0x4F), salt: Array(0x60...0xAF), info: Array(0xB0...0xFF),
               okm: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                   + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                   + "cc30c58179ec3e87c14c01d5c1f3434f1d87"),
        Vector(name: "A.3 empty salt and info", inputKey: [UInt8](repeating: 0x0B, count: 22), salt: [], info: [],
               okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
    ]

    @Test(arguments: rfc5869)
    func knownAnswer(_ vector: Vector) {
        let count = vector.okm.utf8.count / 2
        let key = HKDF.deriveKey(inputKey: SymmetricKey(bytes: vector.inputKey), salt: vector.salt, info: vector.info,
                                 outputByteCount: count)
        #expect(key.byteCount == count)
        #expect(key.withUnsafeBytes { hex($0) } == vector.okm)

        var output = [UInt8](repeating: 0, count: count)
        vector.inputKey.withUnsafeBytes { inputKey in
            vector.salt.withUnsafeBytes { salt in
                vector.info.withUnsafeBytes { info in
                    output.withUnsafeMutableBytes { HKDF.derive(inputKey: inputKey, salt: salt, info: info, into: $0) }
                }
            }
        }
        #expect(hex(output) == vector.okm)
    }

    /// An empty input key is legal; checked against Python's `cryptography` HKDF.
    @Test func emptyInputKey() {
        let key = HKDF.deriveKey(inputKey: SymmetricKey(bytes: []), salt: Array("salt".utf8), info: Array("info".utf8),
                                 outputByteCount: 32)
        #expect(key.withUnsafeBytes { hex($0) } == "7aac7b8120501c2c8e1ee50e6cde135361e99ceb9d8d406ac528b9e9175614c0")
    }

    @Test func differentInfoGivesIndependentKeys() {
        let master = SymmetricKey.random(byteCount: 32)
        let first = HKDF.deriveKey(inputKey: master, salt: [], info: Array("encryption".utf8), outputByteCount: 32)
        let second = HKDF.deriveKey(inputKey: master, salt: [], info: Array("id".utf8), outputByteCount: 32)
        #expect(first.withUnsafeBytes { Array($0) } != second.withUnsafeBytes { Array($0) })
    }
}
