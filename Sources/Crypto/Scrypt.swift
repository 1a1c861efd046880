import CLibCrypto

/// scrypt (RFC 7914): a deliberately slow, memory-hard password-based key derivation, so
/// that guessing passwords for a stolen repository costs memory as well as time.
public enum Scrypt {
    /// RFC 7914 allows up to (2^32 - 1) blocks of 32 bytes of output.
    public static let maximumOutputByteCount = Int(UInt32.max) * 32

    /// Derives `outputByteCount` bytes from `password` and `salt`.
    ///
    /// Throws `.invalidParameters` for parameters scrypt does not define, for parameters
    /// needing more than `Parameters.maximumMemoryByteCount`, and for an output size outside
    /// 1...`maximumOutputByteCount`.
    public static func deriveKey(password: [UInt8], salt: [UInt8], parameters: Parameters,
                                 outputByteCount: Int) throws(CryptoError) -> SymmetricKey {
        guard (1...maximumOutputByteCount).contains(outputByteCount) else {
            throw .invalidParameters(
                "scrypt output must be 1...\(maximumOutputByteCount) bytes, asked for \(outputByteCount)")
        }
        let memory = try parameters.validatedMemoryByteCount()
        // libcrypto refuses to exceed `maxmem`; allow what these parameters need plus slack
        // for any bookkeeping a libcrypto version might count on top.
        let maximumMemory = UInt64(memory) + (1 << 20)
        return try SymmetricKey(byteCount: outputByteCount) { (output) throws(CryptoError) in
            let status = password.withUnsafeBytes { password in
                salt.withUnsafeBytes { salt in
                    EVP_PBE_scrypt(password.baseAddress?.assumingMemoryBound(to: CChar.self), password.count,
                                   salt.baseAddress?.assumingMemoryBound(to: UInt8.self), salt.count,
                                   parameters.n, UInt64(parameters.r), UInt64(parameters.p), maximumMemory,
                                   output.baseAddress?.assumingMemoryBound(to: UInt8.self), output.count)
                }
            }
            try check(status, "EVP_PBE_scrypt")
        }
    }
}
