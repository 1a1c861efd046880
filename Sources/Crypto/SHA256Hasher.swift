import CLibCrypto
import Foundation

/// Incremental SHA-256, reusable for any number of messages.
///
/// Owns one `EVP_MD_CTX` for its lifetime, so hashing a message allocates nothing. The
/// context is mutable state: an instance must not be used from two threads at once. Give
/// each task its own (it may be handed from one task to another).
public final class SHA256Hasher {
    private let context: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("\(CryptoError.libcrypto(failing: "EVP_MD_CTX_new"))") }
        self.context = context
        require(EVP_DigestInit_ex2(context, LibCrypto.sha256, nil), "EVP_DigestInit_ex2")
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    public func update(_ data: UnsafeRawBufferPointer) {
        guard let base = data.baseAddress, !data.isEmpty else { return }
        require(EVP_DigestUpdate(context, base, data.count), "EVP_DigestUpdate")
    }

    public func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Returns the digest of everything passed to `update` since the last `finalize` or
    /// `reset`, and starts over for the next message.
    public func finalize() -> Digest256 {
        let digest = Digest256 { require(EVP_DigestFinal_ex(context, $0, nil), "EVP_DigestFinal_ex") }
        reset()
        return digest
    }

    /// Discards anything passed to `update` since the last `finalize` or `reset`.
    public func reset() {
        // Re-initialising with the context's own digest keeps its provider state allocated.
        require(EVP_DigestInit_ex2(context, nil, nil), "EVP_DigestInit_ex2")
    }
}
