import Crypto
import Foundation
import Testing

struct ScryptTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let password: String
        let salt: String
        let parameters: Scrypt.Parameters
        let key: String

        var testDescription: String { "N=\(parameters.n) r=\(parameters.r) p=\(parameters.p)" }
    }

    /// RFC 7914 §12, without the N = 2^20 case (1 GiB and seconds of work).
    static let rfc7914: [Vector] = [
        Vector(password: "", salt: "", parameters: .init(n: 16, r: 1, p: 1),
               key: "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
                   + "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"),
        Vector(password: "password", salt: "NaCl", parameters: .init(n: 1024, r: 8, p: 16),
               key: "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                   + "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"),
        Vector(password: "pleaseletmein", salt: "SodiumChloride", parameters: .init(n: 16384, r: 8, p: 1),
               key: "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
                   + "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"),
    ]

    @Test(arguments: rfc7914)
    func knownAnswer(_ vector: Vector) throws {
        let key = try Scrypt.deriveKey(password: Array(vector.password.utf8), salt: Array(vector.salt.utf8),
                                       parameters: vector.parameters, outputByteCount: 64)
        #expect(key.withUnsafeBytes { hex($0) } == vector.key)
    }

    @Test(arguments: [
        Scrypt.Parameters(n: 0, r: 8, p: 1),
        Scrypt.Parameters(n: 1, r: 8, p: 1),
        Scrypt.Parameters(n: 1000, r: 8, p: 1),
        Scrypt.Parameters(n: 1 << 14, r: 0, p: 1),
        Scrypt.Parameters(n: 1 << 14, r: 8, p: 0),
        Scrypt.Parameters(n: 1 << 16, r: 1, p: 1),         // N must be below 2^(16·r)
        Scrypt.Parameters(n: 1 << 4, r: 1 << 12, p: 1 << 12), // p·r too large
        Scrypt.Parameters(n: 1 << 40, r: 8, p: 1),         // 128 TiB
        Scrypt.Parameters(n: 1 << 63, r: 8, p: 1),         // overflows the size computation
    ])
    func rejectsInvalidParameters(_ parameters: Scrypt.Parameters) {
        #expect {
            try Scrypt.deriveKey(password: [], salt: [], parameters: parameters, outputByteCount: 32)
        } throws: { error in
            guard case CryptoError.invalidParameters = error else { return false }
            return true
        }
    }

    @Test(arguments: [0, -1])
    func rejectsEmptyOutput(byteCount: Int) {
        #expect {
            try Scrypt.deriveKey(password: [], salt: [], parameters: .init(n: 16, r: 1, p: 1), outputByteCount: byteCount)
        } throws: { error in
            guard case CryptoError.invalidParameters = error else { return false }
            return true
        }
    }

    @Test func interactiveParameters() throws {
        #expect(Scrypt.Parameters.interactive == .init(n: 32768, r: 8, p: 1))
        #expect(try Scrypt.Parameters.interactive.validatedMemoryByteCount() == 128 * 8 * (32768 + 2) + 128 * 8)
    }

    @Test func parametersRoundTripThroughJSON() throws {
        let data = try JSONEncoder().encode(Scrypt.Parameters.interactive)
        #expect(try JSONDecoder().decode(Scrypt.Parameters.self, from: data) == .interactive)
    }
}
