import Foundation

/// One-shot HMAC-SHA-256 (RFC 2104). Keying dominates the cost of short messages, so to
/// authenticate many messages under one key keep an `HMACSHA256Hasher` instead.
public enum HMACSHA256 {
    public static let byteCount = 32

    public static func authenticate(_ data: UnsafeRawBufferPointer, key: SymmetricKey) -> Digest256 {
        let hasher = HMACSHA256Hasher(key: key)
        hasher.update(data)
        return hasher.finalize()
    }

    public static func authenticate(_ bytes: some ContiguousBytes, key: SymmetricKey) -> Digest256 {
        bytes.withUnsafeBytes { authenticate($0, key: key) }
    }

    /// Whether `mac` authenticates `data` under `key`, compared in constant time so that the
    /// time taken reveals nothing about how much of a forged MAC was right.
    public static func isValid(_ mac: Digest256, for data: UnsafeRawBufferPointer, key: SymmetricKey) -> Bool {
        let expected = authenticate(data, key: key)
        return mac.withUnsafeBytes { given in expected.withUnsafeBytes { constantTimeEquals(given, $0) } }
    }

    public static func isValid(_ mac: Digest256, for bytes: some ContiguousBytes, key: SymmetricKey) -> Bool {
        bytes.withUnsafeBytes { isValid(mac, for: $0, key: key) }
    }
}
