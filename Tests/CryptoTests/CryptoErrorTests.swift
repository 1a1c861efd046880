import Crypto
import Testing

struct CryptoErrorTests {
    @Test func descriptionsNameTheProblem() {
        #expect(CryptoError.authenticationFailure.description.contains("authentication failed"))
        #expect(CryptoError.invalidKeySize(expected: 32, actual: 16).description.contains("expected 32 bytes, got 16"))
        #expect(CryptoError.invalidParameters("N").description.contains("N"))
        #expect(CryptoError.bufferTooSmall(needed: 10, available: 9).description.contains("needs 10 bytes, has 9"))
        #expect(CryptoError.libcrypto("oops").description.contains("oops"))
    }
}
