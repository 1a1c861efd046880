import Crypto
import Dispatch
import TestSupport
import Testing

struct SHA256Tests {
    /// FIPS 180-2 examples and NIST's extra two-block messages.
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func knownAnswer(message: String, expected: String) {
        #expect(SHA256.hash(Array(message.utf8)).hex == expected)

        let hasher = SHA256Hasher()
        hasher.update(Array(message.utf8))
        #expect(hasher.finalize().hex == expected)
    }

    @Test func oneMillionAs() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hash(message).hex == expected)

        let hasher = SHA256Hasher()
        for _ in 0..<1000 {
            message.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<1000])) }
        }
        #expect(hasher.finalize().hex == expected)
    }

    @Test func streamingMatchesOneShotForAnySplit() {
        var random = SeededGenerator(seed: 1)
        let hasher = SHA256Hasher()
        for (count, largestPiece) in [(0, 1), (1, 1), (200, 1), (1000, 7), (10_000, 64), (100_000, 9000)] {
            let message = random.bytes(count: count)
            message.withUnsafeBytes { message in
                for piece in random.pieces(of: count, maximum: largestPiece) {
                    hasher.update(UnsafeRawBufferPointer(rebasing: message[piece]))
                }
            }
            #expect(hasher.finalize() == SHA256.hash(message), "\(count) bytes in pieces up to \(largestPiece)")
        }
    }

    @Test func resetDiscardsPendingInput() {
        let hasher = SHA256Hasher()
        hasher.update(Array("garbage".utf8))
        hasher.reset()
        hasher.update(Array("abc".utf8))
        #expect(hasher.finalize() == SHA256.hash(Array("abc".utf8)))
    }

    /// The one-shot form keeps a context per thread; concurrent callers must not disturb
    /// each other.
    @Test func oneShotIsSafeFromManyThreads() {
        var random = SeededGenerator(seed: 2)
        let messages = (0..<64).map { random.bytes(count: $0 * 97) }
        let expected = messages.map { message in
            let hasher = SHA256Hasher()
            hasher.update(message)
            return hasher.finalize()
        }
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<20 {
                for (message, digest) in zip(messages, expected) {
                    #expect(SHA256.hash(message) == digest)
                }
            }
        }
    }
}
