import CLibCrypto

/// Compares two buffers in time that depends only on their lengths, never on where they
/// differ, so comparing a secret (a MAC, a key check value) leaks nothing through timing.
/// Lengths are not treated as secret.
public func constantTimeEquals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    guard let left = a.baseAddress, let right = b.baseAddress else { return true }
    return CRYPTO_memcmp(left, right, a.count) == 0
}
