import CLibCrypto

/// Why a cryptographic operation failed.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The sealed message, its associated data or its tag is not what was sealed under this
    /// key: it was corrupted, forged, truncated, or sealed with another key. Deliberately
    /// says no more, so that callers cannot turn the error into an oracle.
    case authenticationFailure
    case invalidKeySize(expected: Int, actual: Int)
    case invalidParameters(String)
    case bufferTooSmall(needed: Int, available: Int)
    /// libcrypto refused an operation; carries the text of OpenSSL's error queue.
    case libcrypto(String)

    public var description: String {
        switch self {
        case .authenticationFailure:
            "authentication failed: the data was modified or sealed with a different key"
        case .invalidKeySize(let expected, let actual):
            "invalid key size: expected \(expected) bytes, got \(actual)"
        case .invalidParameters(let why):
            "invalid parameters: \(why)"
        case .bufferTooSmall(let needed, let available):
            "output buffer too small: needs \(needed) bytes, has \(available)"
        case .libcrypto(let message):
            "libcrypto error: \(message)"
        }
    }
}

extension CryptoError {
    /// A `.libcrypto` error for a failed `operation`, draining this thread's OpenSSL error
    /// queue so that stale entries cannot be blamed on a later, unrelated failure.
    static func libcrypto(failing operation: StaticString) -> CryptoError {
        var reasons: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        var code = ERR_get_error()
        while code != 0 {
            buffer.withUnsafeMutableBufferPointer { text in
                ERR_error_string_n(code, text.baseAddress, text.count)
                reasons.append(String(cString: text.baseAddress!))
            }
            code = ERR_get_error()
        }
        let detail = reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; ")
        return .libcrypto("\(operation) failed: \(detail)")
    }
}

/// Throws `.libcrypto` unless `status` is libcrypto's success value, 1.
@inline(__always)
func check(_ status: Int32, _ operation: StaticString) throws(CryptoError) {
    guard status == 1 else { throw .libcrypto(failing: operation) }
}

/// Traps unless `status` is libcrypto's success value, 1.
///
/// For calls that cannot fail on well-formed input (hashing, MAC updates, fetching built-in
/// algorithms) behind APIs that promise not to throw: a failure there means libcrypto is
/// broken or misconfigured, and carrying on could produce wrong ids or unprotected data.
@inline(__always)
func require(_ status: Int32, _ operation: StaticString) {
    guard status == 1 else { fatalError("\(CryptoError.libcrypto(failing: operation))") }
}
