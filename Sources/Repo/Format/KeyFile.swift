import Crypto
import Foundation
import Storage

/// One way into a repository: the master secret wrapped under a key derived from a
/// password by scrypt (docs/format.md, "Key files").
struct KeyFile: Codable, Sendable {
    var version = 1
    var created: Date
    var host: String
    var user: String
    var kdf = "scrypt"
    var scrypt: Scrypt.Parameters
    var salt: Data
    var sealed: Data

    static let associatedData = Array("repo v1 key".utf8)

    /// Wraps `keys`' master secret under `password`.
    static func wrap(_ keys: RepositoryKeys, password: [UInt8], parameters: Scrypt.Parameters = .interactive,
                     host: String, user: String) throws -> KeyFile {
        let salt = SecureRandom.bytes(count: 32)
        let wrapping = try Scrypt.deriveKey(password: password, salt: salt, parameters: parameters, outputByteCount: 32)
        let secret = keys.masterSecret.withUnsafeBytes { Array($0) }
        let sealed = try AES256GCM(key: wrapping).seal(secret, nonce: .random(), aad: associatedData)
        return KeyFile(created: Date(), host: host, user: user, scrypt: parameters, salt: Data(salt), sealed: Data(sealed))
    }

    /// The repository's keys, or nil when `password` is not this key's.
    func unwrap(password: [UInt8], name: String) throws -> RepositoryKeys? {
        guard version == 1, kdf == "scrypt" else {
            throw FormatError.unsupportedVersion(object: name, version: version, supported: 1)
        }
        let wrapping = try Scrypt.deriveKey(password: password, salt: Array(salt), parameters: scrypt, outputByteCount: 32)
        guard let secret = try? AES256GCM(key: wrapping).open(Array(sealed), aad: Self.associatedData) else { return nil }
        guard secret.count == RepositoryKeys.masterSecretByteCount else {
            throw FormatError.corrupt(name, "master secret has \(secret.count) bytes")
        }
        return RepositoryKeys(masterSecret: SymmetricKey(bytes: secret))
    }

    /// What makes this key file unusable whatever the password, or nil: a version and KDF
    /// this build reads, scrypt parameters it accepts, a 32-byte salt and a sealed 64-byte
    /// secret (docs/format.md, "Key files").
    var structuralProblem: String? {
        guard version == 1, kdf == "scrypt" else { return "key file version \(version) with kdf \(kdf) is not supported" }
        do {
            _ = try scrypt.validatedMemoryByteCount()
        } catch {
            return "\(error)"
        }
        guard salt.count == 32 else { return "salt has \(salt.count) bytes, not 32" }
        let sealedCount = RepositoryKeys.masterSecretByteCount + AES256GCM.overhead
        guard sealed.count == sealedCount else { return "sealed secret has \(sealed.count) bytes, not \(sealedCount)" }
        return nil
    }

    func encoded() throws -> [UInt8] { Array(try JSONCoding.encoder.encode(self)) }

    static func decode(_ bytes: [UInt8], name: String) throws -> KeyFile {
        do {
            return try JSONCoding.decoder.decode(KeyFile.self, from: Data(bytes))
        } catch {
            throw FormatError.corrupt(name, "not a key file")
        }
    }
}

/// The JSON conventions of every JSON object in a repository: sorted keys (stable bytes),
/// ISO 8601 dates with fractional seconds, base64 byte strings.
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamps.format(date))
        }
        encoder.dataEncodingStrategy = .base64
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamps.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "bad time \(text)")
            }
            return date
        }
        return decoder
    }()
}
