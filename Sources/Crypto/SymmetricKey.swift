import CLibCrypto

/// Secret key bytes, kept in memory the key owns and overwrites when it is released.
///
/// The bytes live in a private allocation rather than an `Array`, which could be copied or
/// reallocated behind our back and leave unerased copies of the secret in freed memory.
/// The key is immutable after `init`, so sharing it between threads is safe.
public final class SymmetricKey: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer

    /// Copies `bytes`; the caller remains responsible for erasing its own copy.
    public convenience init(bytes: UnsafeRawBufferPointer) {
        self.init(byteCount: bytes.count) { $0.copyMemory(from: bytes) }
    }

    /// Copies `bytes`; the array itself cannot be erased reliably, so prefer deriving or
    /// generating keys where possible.
    public convenience init(bytes: [UInt8]) {
        self.init(byteCount: bytes.count) { key in bytes.withUnsafeBytes { key.copyMemory(from: $0) } }
    }

    /// Allocates the key and lets `initialize` write it in place, so derived and random keys
    /// never exist anywhere else. If `initialize` throws, the partial key is erased.
    init<Failure: Error>(
        byteCount: Int, initializingWith initialize: (UnsafeMutableRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) {
        precondition(byteCount >= 0, "a key cannot have a negative size")
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        do throws(Failure) {
            try initialize(storage)
        } catch {
            Self.erase(storage)
            throw error
        }
        self.storage = storage
    }

    deinit {
        Self.erase(storage)
    }

    public static func random(byteCount: Int) -> SymmetricKey {
        SymmetricKey(byteCount: byteCount) { SecureRandom.fill($0) }
    }

    public var byteCount: Int { storage.count }

    /// The key bytes, valid only inside `body`; do not let them escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// `OPENSSL_cleanse` rather than a plain store, which the optimiser may remove as dead.
    private static func erase(_ storage: UnsafeMutableRawBufferPointer) {
        if let base = storage.baseAddress {
            OPENSSL_cleanse(base, storage.count)
        }
        storage.deallocate()
    }
}

extension SymmetricKey: CustomStringConvertible {
    /// Never shows the key, so keys can be logged or interpolated by mistake without harm.
    public var description: String { "SymmetricKey(<redacted>, \(byteCount) bytes)" }
}
