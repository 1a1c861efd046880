import CLibCrypto
import Foundation

/// Incremental HMAC-SHA-256 under one key, reusable for any number of messages.
///
/// Keying an HMAC (hashing the padded key into the inner and outer states) costs more than
/// authenticating a short message, so the key is installed once and each `finalize` merely
/// restarts the `EVP_MAC_CTX` from those saved states (`EVP_MAC_init` with no key), which
/// measured about twice as fast as duplicating a keyed template context per message.
///
/// The context is mutable state: an instance must not be used from two threads at once. Give
/// each task its own (it may be handed from one task to another).
public final class HMACSHA256Hasher {
    private let context: OpaquePointer

    public init(key: SymmetricKey) {
        guard let context = EVP_MAC_CTX_new(LibCrypto.hmac) else {
            fatalError("\(CryptoError.libcrypto(failing: "EVP_MAC_CTX_new"))")
        }
        self.context = context
        key.withUnsafeBytes { key in
            // A null key would mean "keep the current key"; an empty key needs a real pointer.
            withUnsafeBytes(of: UInt8.zero) { empty in
                let bytes = key.baseAddress ?? empty.baseAddress!
                require(EVP_MAC_init(context, bytes.assumingMemoryBound(to: UInt8.self), key.count,
                                     LibCrypto.sha256DigestParameters), "EVP_MAC_init")
            }
        }
    }

    deinit {
        EVP_MAC_CTX_free(context)
    }

    public func update(_ data: UnsafeRawBufferPointer) {
        guard let base = data.baseAddress, !data.isEmpty else { return }
        require(EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), data.count), "EVP_MAC_update")
    }

    public func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Returns the MAC of everything passed to `update` since the last `finalize` or `reset`,
    /// and starts over, with the same key, for the next message.
    public func finalize() -> Digest256 {
        let mac = Digest256 { out in
            var written = 0
            require(EVP_MAC_final(context, out, &written, Digest256.byteCount), "EVP_MAC_final")
        }
        reset()
        return mac
    }

    /// Discards anything passed to `update` since the last `finalize` or `reset`.
    public func reset() {
        require(EVP_MAC_init(context, nil, 0, nil), "EVP_MAC_init")
    }
}
