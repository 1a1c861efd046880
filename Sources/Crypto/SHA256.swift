import CLibCrypto
import Foundation

/// One-shot SHA-256. For data that arrives in pieces, use `SHA256Hasher`.
public enum SHA256 {
    public static let byteCount = 32

    /// Safe to call from any thread. Uses a context cached per thread, so that hashing many
    /// small messages does not pay for creating and freeing a context each time, as
    /// `EVP_Digest` does internally: that made 64-byte messages about 40% slower.
    public static func hash(_ data: UnsafeRawBufferPointer) -> Digest256 {
        let context = threadContext()
        require(EVP_DigestInit_ex2(context, LibCrypto.sha256, nil), "EVP_DigestInit_ex2")
        if let base = data.baseAddress, !data.isEmpty {
            require(EVP_DigestUpdate(context, base, data.count), "EVP_DigestUpdate")
        }
        return Digest256 { require(EVP_DigestFinal_ex(context, $0, nil), "EVP_DigestFinal_ex") }
    }

    public static func hash(_ bytes: some ContiguousBytes) -> Digest256 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The calling thread's digest context, created on first use and freed when the thread
    /// exits. `hash` never suspends and never calls out, so nothing else can use the
    /// context while it holds it, even under Swift concurrency's thread sharing.
    private static func threadContext() -> OpaquePointer {
        if let context = pthread_getspecific(contextKey) {
            return OpaquePointer(context)
        }
        guard let context = EVP_MD_CTX_new() else { fatalError("\(CryptoError.libcrypto(failing: "EVP_MD_CTX_new"))") }
        precondition(pthread_setspecific(contextKey, UnsafeRawPointer(context)) == 0, "pthread_setspecific failed")
        return context
    }

    private static let contextKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { context in
            EVP_MD_CTX_free(context.map(OpaquePointer.init))
        }
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }()
}
