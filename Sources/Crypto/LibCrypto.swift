import CLibCrypto

/// Algorithm implementations fetched from libcrypto once per process.
///
/// OpenSSL 3 resolves every implicitly fetched algorithm (`EVP_sha256()`, a name passed to
/// `EVP_Q_digest`, ...) through a locked lookup in the provider store on each use; fetching
/// once and passing the object around keeps that lookup off every call. Fetched algorithm
/// objects are immutable and documented as safe to share between threads, which is what
/// makes `nonisolated(unsafe)` sound here. A missing algorithm means the installation is
/// unusable (no default provider), so it traps rather than throws.
enum LibCrypto {
    nonisolated(unsafe) static let sha256: OpaquePointer =
        fetched(EVP_MD_fetch(nil, "SHA256", nil), "EVP_MD_fetch(SHA256)")
    nonisolated(unsafe) static let hmac: OpaquePointer =
        fetched(EVP_MAC_fetch(nil, "HMAC", nil), "EVP_MAC_fetch(HMAC)")
    nonisolated(unsafe) static let hkdf: OpaquePointer =
        fetched(EVP_KDF_fetch(nil, "HKDF", nil), "EVP_KDF_fetch(HKDF)")
    nonisolated(unsafe) static let aes256GCM: OpaquePointer =
        fetched(EVP_CIPHER_fetch(nil, "AES-256-GCM", nil), "EVP_CIPHER_fetch(AES-256-GCM)")

    /// The parameter list `digest=SHA256`, which selects the hash for both HMAC and HKDF
    /// (`OSSL_MAC_PARAM_DIGEST` and `OSSL_KDF_PARAM_DIGEST` are both "digest"). Built once
    /// and never freed; libcrypto only reads it.
    nonisolated(unsafe) static let sha256DigestParameters: UnsafePointer<OSSL_PARAM> = {
        let parameters = UnsafeMutablePointer<OSSL_PARAM>.allocate(capacity: 2)
        parameters.initialize(to: sha256DigestParameter)
        (parameters + 1).initialize(to: OSSL_PARAM_construct_end())
        return UnsafePointer(parameters)
    }()

    /// `digest=SHA256` as one entry, for parameter lists that carry more than the digest.
    static var sha256DigestParameter: OSSL_PARAM {
        OSSL_PARAM_construct_utf8_string(cString("digest"), cString("SHA256"), 0)
    }

    /// A C string that lives for the whole process, as `OSSL_PARAM` keeps the pointers it is
    /// given rather than copying. Mutable only because `OSSL_PARAM_construct_utf8_string`
    /// takes `char *`; parameters that are set are never written through.
    static func cString(_ literal: StaticString) -> UnsafeMutablePointer<CChar> {
        UnsafeMutableRawPointer(mutating: literal.utf8Start).assumingMemoryBound(to: CChar.self)
    }

    private static func fetched(_ algorithm: OpaquePointer?, _ operation: StaticString) -> OpaquePointer {
        guard let algorithm else { fatalError("\(CryptoError.libcrypto(failing: operation))") }
        return algorithm
    }
}
