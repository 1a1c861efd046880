import CLibCrypto

/// Cryptographically secure random bytes from libcrypto's DRBG (`RAND_bytes`), seeded by
/// the operating system. Safe to call from any thread.
public enum SecureRandom {
    /// Fills `buffer` with random bytes.
    ///
    /// Traps if libcrypto cannot produce randomness: every caller needs it for keys, salts or
    /// nonces, and there is no safe way to go on without it (a predictable nonce or key is
    /// worse than stopping).
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard var next = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            let count = min(remaining, Int(Int32.max))
            guard RAND_bytes(next.assumingMemoryBound(to: UInt8.self), Int32(count)) == 1 else {
                fatalError("cannot generate secure random bytes: \(CryptoError.libcrypto(failing: "RAND_bytes"))")
            }
            next += count
            remaining -= count
        }
    }

    public static func bytes(count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    public static func uint64() -> UInt64 {
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { fill($0) }
        return value
    }
}
