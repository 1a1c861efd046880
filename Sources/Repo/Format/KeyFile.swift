import Crypto
import Foundation

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

/// RFC 3339 times in UTC with microseconds, as stored in snapshots and keys.
enum Timestamps {
    static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = floor(seconds)
        let micros = Int(((seconds - whole) * 1_000_000).rounded())
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, min(micros, 999_999))
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) {
            // ISO8601DateFormatter keeps milliseconds only; restore the microseconds.
            if let dot = text.firstIndex(of: "."), let end = text.firstIndex(where: { $0 == "Z" || $0 == "+" }) {
                let fraction = text[text.index(after: dot)..<end]
                if let value = Double("0." + fraction) { return Date(timeIntervalSince1970: floor(date.timeIntervalSince1970) + value) }
            }
            return date
        }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
