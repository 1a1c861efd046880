import CLibCrypto

/// AES-256-GCM (NIST SP 800-38D) under one key, with 12-byte nonces and 16-byte tags.
///
/// A sealed message is laid out as `nonce || ciphertext || tag`, so it carries everything
/// needed to open it besides the key and the associated data.
///
/// The key schedule and GHASH tables are computed once, in `init`; each message only sets
/// a new nonce on the same `EVP_CIPHER_CTX`, and nothing is allocated per message. That
/// context is mutable state, so an instance must not be used from two threads at once:
/// give each thread or task its own (it may be handed from one task to another).
///
/// Nonces must never repeat under one key: a repeat reveals the XOR of the two plaintexts
/// and lets anyone forge tags. Random nonces (`Nonce.random()`) stay safe for up to 2^32
/// messages per key (SP 800-38D §8.3).
public final class AES256GCM {
    public static let keyByteCount = 32
    public static let nonceByteCount = 12
    public static let tagByteCount = 16
    /// How much longer a sealed message is than its plaintext.
    public static let overhead = nonceByteCount + tagByteCount

    private let context: OpaquePointer

    public init(key: SymmetricKey) throws(CryptoError) {
        guard key.byteCount == Self.keyByteCount else {
            throw .invalidKeySize(expected: Self.keyByteCount, actual: key.byteCount)
        }
        guard let context = EVP_CIPHER_CTX_new() else { throw .libcrypto(failing: "EVP_CIPHER_CTX_new") }
        let status = key.withUnsafeBytes { key in
            EVP_CipherInit_ex2(context, LibCrypto.aes256GCM, key.baseAddress?.assumingMemoryBound(to: UInt8.self),
                               nil, 1, nil)
        }
        guard status == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw .libcrypto(failing: "EVP_CipherInit_ex2")
        }
        self.context = context
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// Encrypts `plaintext` and authenticates it together with `aad`, writing
    /// `nonce || ciphertext || tag` to the start of `out`, and returns the number of bytes
    /// written: `plaintext.count + overhead`. `out` must not overlap `plaintext`.
    public func seal(_ plaintext: UnsafeRawBufferPointer, nonce: Nonce, authenticating aad: UnsafeRawBufferPointer,
                     into out: UnsafeMutableRawBufferPointer) throws(CryptoError) -> Int {
        let sealedCount = plaintext.count + Self.overhead
        guard out.count >= sealedCount else { throw .bufferTooSmall(needed: sealedCount, available: out.count) }
        let iv = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        nonce.withUnsafeBytes { UnsafeMutableRawBufferPointer(start: iv, count: Self.nonceByteCount).copyMemory(from: $0) }
        let ciphertext = UnsafeMutableRawBufferPointer(start: iv + Self.nonceByteCount, count: plaintext.count)
        let tag = iv + Self.nonceByteCount + plaintext.count

        try check(EVP_CipherInit_ex2(context, nil, nil, iv, 1, nil), "EVP_CipherInit_ex2")
        try authenticate(aad)
        try transform(plaintext, into: ciphertext)
        try check(finish(), "EVP_CipherFinal_ex")
        try check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagByteCount), tag), "EVP_CTRL_GCM_GET_TAG")
        return sealedCount
    }

    /// Seals in place: the plaintext is `message[nonceByteCount ..< nonceByteCount + plaintextCount]`
    /// and is replaced by its ciphertext, with the nonce written before it and the tag after,
    /// so `message` ends up holding `nonce || ciphertext || tag`. Returns the sealed length.
    ///
    /// This lets a producer (a compressor, say) write its output straight into the place the
    /// sealed message will occupy, with no copy between the stages and one buffer less in
    /// the cache.
    public func sealInPlace(_ message: UnsafeMutableRawBufferPointer, plaintextCount: Int, nonce: Nonce,
                            authenticating aad: UnsafeRawBufferPointer) throws(CryptoError) -> Int {
        let sealedCount = plaintextCount + Self.overhead
        guard message.count >= sealedCount else { throw .bufferTooSmall(needed: sealedCount, available: message.count) }
        let iv = message.baseAddress!.assumingMemoryBound(to: UInt8.self)
        nonce.withUnsafeBytes { UnsafeMutableRawBufferPointer(start: iv, count: Self.nonceByteCount).copyMemory(from: $0) }
        let text = UnsafeMutableRawBufferPointer(start: iv + Self.nonceByteCount, count: plaintextCount)

        try check(EVP_CipherInit_ex2(context, nil, nil, iv, 1, nil), "EVP_CipherInit_ex2")
        try authenticate(aad)
        try transform(UnsafeRawBufferPointer(text), into: text)  // GCM is a stream mode: in == out is allowed
        try check(finish(), "EVP_CipherFinal_ex")
        try check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagByteCount), iv + Self.nonceByteCount + plaintextCount),
                  "EVP_CTRL_GCM_GET_TAG")
        return sealedCount
    }

    /// Verifies and decrypts `nonce || ciphertext || tag` sealed with `aad`, writing the
    /// plaintext to the start of `out` and returning its length: `sealed.count - overhead`.
    /// `out` must not overlap `sealed`.
    ///
    /// Throws `.authenticationFailure` if anything was altered or the input is too short to
    /// be a sealed message. GCM can only check the tag after decrypting, so on failure the
    /// bytes already written to `out` are zeroed: unauthenticated plaintext is never left
    /// for the caller to use by mistake.
    public func open(_ sealed: UnsafeRawBufferPointer, authenticating aad: UnsafeRawBufferPointer,
                     into out: UnsafeMutableRawBufferPointer) throws(CryptoError) -> Int {
        guard sealed.count >= Self.overhead else { throw .authenticationFailure }
        let plaintextCount = sealed.count - Self.overhead
        guard out.count >= plaintextCount else { throw .bufferTooSmall(needed: plaintextCount, available: out.count) }
        let iv = sealed.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let ciphertext = UnsafeRawBufferPointer(start: iv + Self.nonceByteCount, count: plaintextCount)
        let tag = UnsafeMutableRawPointer(mutating: iv + Self.nonceByteCount + plaintextCount)
        let plaintext = UnsafeMutableRawBufferPointer(rebasing: out[..<plaintextCount])

        try check(EVP_CipherInit_ex2(context, nil, nil, iv, 0, nil), "EVP_CipherInit_ex2")
        try check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagByteCount), tag), "EVP_CTRL_GCM_SET_TAG")
        do {
            try authenticate(aad)
            try transform(ciphertext, into: plaintext)
        } catch {
            plaintext.initializeMemory(as: UInt8.self, repeating: 0)
            throw error
        }
        guard finish() == 1 else {
            plaintext.initializeMemory(as: UInt8.self, repeating: 0)
            // The mismatch may leave entries on this thread's error queue; they describe
            // nothing a later caller should be shown.
            ERR_clear_error()
            throw .authenticationFailure
        }
        return plaintextCount
    }

    /// Feeds associated data into the tag.
    private func authenticate(_ aad: UnsafeRawBufferPointer) throws(CryptoError) {
        guard let base = aad.baseAddress else { return }
        try update(input: base.assumingMemoryBound(to: UInt8.self), count: aad.count, output: nil)
    }

    /// Encrypts or decrypts `input` into `output`, which has the same size.
    private func transform(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard let source = input.baseAddress, let destination = output.baseAddress else { return }
        try update(input: source.assumingMemoryBound(to: UInt8.self), count: input.count,
                   output: destination.assumingMemoryBound(to: UInt8.self))
    }

    /// `EVP_CipherUpdate` takes an `int` length, so longer inputs go in `Int32.max`-sized
    /// pieces; GCM is a stream mode and always outputs exactly as much as it is given.
    private func update(input: UnsafePointer<UInt8>, count: Int, output: UnsafeMutablePointer<UInt8>?) throws(CryptoError) {
        var offset = 0
        while offset < count {
            let length = Int32(min(count - offset, Int(Int32.max)))
            var written: Int32 = 0
            try check(EVP_CipherUpdate(context, output.map { $0 + offset }, &written, input + offset, length),
                      "EVP_CipherUpdate")
            offset += Int(length)
        }
    }

    /// Completes the message, returning libcrypto's status: computes the tag when sealing,
    /// checks it when opening. GCM outputs nothing here, but libcrypto wants somewhere it could.
    private func finish() -> Int32 {
        var scratch: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &scratch) { scratch in
            var written: Int32 = 0
            return EVP_CipherFinal_ex(context, scratch.baseAddress!.assumingMemoryBound(to: UInt8.self), &written)
        }
    }
}

extension AES256GCM {
    /// Seals `plaintext` into a new array; see `seal(_:nonce:authenticating:into:)`.
    ///
    /// With a correctly sized buffer only a broken libcrypto could make sealing fail, so
    /// that traps rather than burdening every caller with an error that cannot happen.
    public func seal(_ plaintext: [UInt8], nonce: Nonce = .random(), aad: [UInt8] = []) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: plaintext.count + Self.overhead) { out, written in
            plaintext.withUnsafeBytes { plaintext in
                aad.withUnsafeBytes { aad in
                    do {
                        written = try seal(plaintext, nonce: nonce, authenticating: aad,
                                           into: UnsafeMutableRawBufferPointer(out))
                    } catch {
                        fatalError("AES-256-GCM seal failed: \(error)")
                    }
                }
            }
        }
    }

    /// Opens a message sealed by `seal(_:nonce:aad:)`; see `open(_:authenticating:into:)`.
    public func open(_ sealed: [UInt8], aad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        guard sealed.count >= Self.overhead else { throw .authenticationFailure }
        var failure: CryptoError?
        let plaintext = [UInt8](unsafeUninitializedCapacity: sealed.count - Self.overhead) { out, written in
            sealed.withUnsafeBytes { sealed in
                aad.withUnsafeBytes { aad in
                    do throws(CryptoError) {
                        written = try open(sealed, authenticating: aad, into: UnsafeMutableRawBufferPointer(out))
                    } catch {
                        failure = error
                    }
                }
            }
        }
        if let failure { throw failure }
        return plaintext
    }
}
