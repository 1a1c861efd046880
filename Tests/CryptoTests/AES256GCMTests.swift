import Crypto
import TestSupport
import Testing

struct AES256GCMTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let key: String
        let nonce: String
        let plaintext: String
        let aad: String
        let ciphertext: String
        let tag: String

        var testDescription: String { name }
    }

    static let specKey = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
    static let specPlaintext = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
    static let specCiphertext = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"

    /// The AES-256 test cases 13–16 of McGrew and Viega, "The Galois/Counter Mode of
    /// Operation (GCM)", appendix B.
    static let gcmSpec: [Vector] = [
        Vector(name: "test case 13", key: String(repeating: "00", count: 32), nonce: String(repeating: "00", count: 12),
               plaintext: "", aad: "", ciphertext: "", tag: "530f8afbc74536b9a963b4f1c4cb738b"),
        Vector(name: "test case 14", key: String(repeating: "00", count: 32), nonce: String(repeating: "00", count: 12),
               plaintext: String(repeating: "00", count: 16), aad: "",
               ciphertext: "cea7403d4d606b6e074ec5d3baf39d18", tag: "d0d1c8a799996bf0265b98b5d48ab919"),
        Vector(name: "test case 15", key: specKey, nonce: "cafebabefacedbaddecaf888", plaintext: specPlaintext, aad: "",
               ciphertext: specCiphertext, tag: "b094dac5d93471bdec1a502270e3cc6c"),
        Vector(name: "test case 16", key: specKey, nonce: "cafebabefacedbaddecaf888",
               plaintext: String(specPlaintext.dropLast(8)), aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
               ciphertext: String(specCiphertext.dropLast(8)), tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
    ]

    @Test(arguments: gcmSpec)
    func knownAnswer(_ vector: Vector) throws {
        let cipher = try AES256GCM(key: SymmetricKey(bytes: bytes(hex: vector.key)))
        let nonce = AES256GCM.Nonce(bytes: bytes(hex: vector.nonce))
        let sealed = cipher.seal(bytes(hex: vector.plaintext), nonce: nonce, aad: bytes(hex: vector.aad))
        #expect(hex(sealed) == vector.nonce + vector.ciphertext + vector.tag)
        #expect(try cipher.open(sealed, aad: bytes(hex: vector.aad)) == bytes(hex: vector.plaintext))
    }

    @Test(arguments: gcmSpec)
    func inPlaceSealingMatchesTheVectors(_ vector: Vector) throws {
        let cipher = try AES256GCM(key: SymmetricKey(bytes: bytes(hex: vector.key)))
        let plaintext = bytes(hex: vector.plaintext)
        var message = [UInt8](repeating: 0, count: plaintext.count + AES256GCM.overhead)
        message.replaceSubrange(12..<12 + plaintext.count, with: plaintext)
        let count = try message.withUnsafeMutableBytes { message in
            try bytes(hex: vector.aad).withUnsafeBytes { aad in
                try cipher.sealInPlace(message, plaintextCount: plaintext.count,
                                       nonce: .init(bytes: bytes(hex: vector.nonce)), authenticating: aad)
            }
        }
        #expect(count == message.count)
        #expect(hex(message) == vector.nonce + vector.ciphertext + vector.tag)
        #expect(try cipher.open(message, aad: bytes(hex: vector.aad)) == plaintext)
    }

    /// Every single-bit change anywhere in what is authenticated must be caught, and must
    /// leave no plaintext behind in the output buffer.
    @Test func everyBitFlipIsRejected() throws {
        let cipher = try AES256GCM(key: .random(byteCount: 32))
        let plaintext = Array("attack at dawn!!".utf8)
        let aad = Array("chunk-id".utf8)
        let sealed = cipher.seal(plaintext, aad: aad)
        var rejected = 0

        func expectRejected(_ sealed: [UInt8], _ aad: [UInt8]) {
            var out = [UInt8](repeating: 0xFF, count: plaintext.count)
            #expect(throws: CryptoError.authenticationFailure) {
                try sealed.withUnsafeBytes { sealed in
                    try aad.withUnsafeBytes { aad in
                        try out.withUnsafeMutableBytes { _ = try cipher.open(sealed, authenticating: aad, into: $0) }
                    }
                }
            }
            #expect(out.allSatisfy { $0 == 0 }, "plaintext left in the output after a failed open")
            rejected += 1
        }

        for bit in 0..<(sealed.count * 8) {
            var tampered = sealed
            tampered[bit / 8] ^= 1 << (bit % 8)
            expectRejected(tampered, aad)
        }
        for bit in 0..<(aad.count * 8) {
            var tampered = aad
            tampered[bit / 8] ^= 1 << (bit % 8)
            expectRejected(sealed, tampered)
        }
        #expect(rejected == (sealed.count + aad.count) * 8)
        #expect(try cipher.open(sealed, aad: aad) == plaintext)
    }

    @Test func truncatedOrExtendedInputIsRejected() throws {
        let cipher = try AES256GCM(key: .random(byteCount: 32))
        let sealed = cipher.seal(Array("a short message".utf8))
        for count in 0..<sealed.count {
            #expect(throws: CryptoError.authenticationFailure) { try cipher.open(Array(sealed.prefix(count))) }
            #expect(throws: CryptoError.authenticationFailure) { try cipher.open(Array(sealed.suffix(count))) }
        }
        #expect(throws: CryptoError.authenticationFailure) { try cipher.open(sealed + [0]) }
    }

    @Test func wrongKeyOrMissingAADIsRejected() throws {
        let key = SymmetricKey.random(byteCount: 32)
        let sealed = try AES256GCM(key: key).seal(Array("secret".utf8), aad: Array("context".utf8))
        #expect(throws: CryptoError.authenticationFailure) {
            try AES256GCM(key: .random(byteCount: 32)).open(sealed, aad: Array("context".utf8))
        }
        #expect(throws: CryptoError.authenticationFailure) { try AES256GCM(key: key).open(sealed) }
    }

    @Test func roundTripsRandomSizes() throws {
        var random = SeededGenerator(seed: 4)
        let cipher = try AES256GCM(key: SymmetricKey(bytes: random.bytes(count: 32)))
        let edges = [0, 1, 15, 16, 17, 4095, 4096, 65_536, 100_000]
        let sizes = edges + (0..<40).map { _ in Int.random(in: 0...100_000, using: &random) }
        for size in sizes {
            let plaintext = random.bytes(count: size)
            let aad = random.bytes(count: Int.random(in: 0...64, using: &random))
            let sealed = cipher.seal(plaintext, aad: aad)
            #expect(sealed.count == size + AES256GCM.overhead)
            #expect(try cipher.open(sealed, aad: aad) == plaintext, "\(size) bytes")
        }
    }

    @Test func randomNoncesDiffer() throws {
        let cipher = try AES256GCM(key: .random(byteCount: 32))
        let message = Array("same message".utf8)
        #expect(cipher.seal(message) != cipher.seal(message))
        #expect(AES256GCM.Nonce.random() != AES256GCM.Nonce.random())
    }

    @Test func bufferSizesAreChecked() throws {
        let cipher = try AES256GCM(key: .random(byteCount: 32))
        let noAAD = UnsafeRawBufferPointer(start: nil, count: 0)
        let plaintext = [UInt8](repeating: 7, count: 10)
        var small = [UInt8](repeating: 0, count: plaintext.count + AES256GCM.overhead - 1)
        #expect(throws: CryptoError.bufferTooSmall(needed: 38, available: 37)) {
            try plaintext.withUnsafeBytes { plaintext in
                try small.withUnsafeMutableBytes {
                    _ = try cipher.seal(plaintext, nonce: .random(), authenticating: noAAD, into: $0)
                }
            }
        }

        let sealed = cipher.seal(plaintext)
        var out = [UInt8](repeating: 0, count: plaintext.count - 1)
        #expect(throws: CryptoError.bufferTooSmall(needed: 10, available: 9)) {
            try sealed.withUnsafeBytes { sealed in
                try out.withUnsafeMutableBytes { _ = try cipher.open(sealed, authenticating: noAAD, into: $0) }
            }
        }
    }

    @Test(arguments: [0, 16, 31, 33, 64])
    func rejectsKeysThatAreNot256Bits(byteCount: Int) {
        #expect(throws: CryptoError.invalidKeySize(expected: 32, actual: byteCount)) {
            try AES256GCM(key: .random(byteCount: byteCount))
        }
    }

    @Test func nonceHoldsExactlyItsBytes() {
        let bytes: [UInt8] = Array(1...12)
        #expect(AES256GCM.Nonce(bytes: bytes).withUnsafeBytes { Array($0) } == bytes)
        #expect(AES256GCM.Nonce.random().withUnsafeBytes { $0.count } == 12)
    }

    @Test func constants() {
        #expect(AES256GCM.nonceByteCount == 12)
        #expect(AES256GCM.tagByteCount == 16)
        #expect(AES256GCM.overhead == 28)
    }
}
