import CLibCrypto

/// HKDF with SHA-256 (RFC 5869): extract-then-expand, for turning one strong secret into
/// several independent keys, each bound to its purpose by `info`.
public enum HKDF {
    /// RFC 5869 caps the output at 255 blocks of the hash.
    public static let maximumOutputByteCount = 255 * SHA256.byteCount

    public static func deriveKey(inputKey: SymmetricKey, salt: [UInt8], info: [UInt8],
                                 outputByteCount: Int) -> SymmetricKey {
        SymmetricKey(byteCount: outputByteCount) { output in
            inputKey.withUnsafeBytes { inputKey in
                salt.withUnsafeBytes { salt in
                    info.withUnsafeBytes { info in
                        derive(inputKey: inputKey, salt: salt, info: info, into: output)
                    }
                }
            }
        }
    }

    /// Fills all of `output` with key material. Its size must be 1...`maximumOutputByteCount`.
    public static func derive(inputKey: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer,
                              info: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition((1...maximumOutputByteCount).contains(output.count),
                     "HKDF-SHA-256 output must be 1...\(maximumOutputByteCount) bytes, asked for \(output.count)")
        guard let context = EVP_KDF_CTX_new(LibCrypto.hkdf) else {
            fatalError("\(CryptoError.libcrypto(failing: "EVP_KDF_CTX_new"))")
        }
        defer { EVP_KDF_CTX_free(context) }

        // An empty salt or info is the same as none (RFC 5869 §2.2: an absent salt is
        // HashLen zeros, which HMAC pads to the same key as an empty one), so they are left
        // out, as an empty buffer may have no address. The key is always passed: an empty
        // one is legal, and leaving it out would make libcrypto refuse a missing key.
        withUnsafeBytes(of: UInt8.zero) { empty in
            var parameters = [LibCrypto.sha256DigestParameter]
            parameters.append(octetString("key", inputKey.baseAddress ?? empty.baseAddress!, inputKey.count))
            if !salt.isEmpty {
                parameters.append(octetString("salt", salt.baseAddress!, salt.count))
            }
            if !info.isEmpty {
                parameters.append(octetString("info", info.baseAddress!, info.count))
            }
            parameters.append(OSSL_PARAM_construct_end())
            require(EVP_KDF_derive(context, output.baseAddress!.assumingMemoryBound(to: UInt8.self), output.count,
                                   &parameters), "EVP_KDF_derive(HKDF)")
        }
    }

    /// An octet-string parameter pointing at `bytes`, which must outlive its use; libcrypto
    /// copies them when the parameters are applied.
    private static func octetString(_ name: StaticString, _ bytes: UnsafeRawPointer, _ count: Int) -> OSSL_PARAM {
        OSSL_PARAM_construct_octet_string(LibCrypto.cString(name), UnsafeMutableRawPointer(mutating: bytes), count)
    }
}
