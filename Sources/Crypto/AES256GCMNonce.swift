extension AES256GCM {
    /// A 96-bit GCM nonce, stored inline.
    public struct Nonce: Sendable, Equatable {
        private var storage: (UInt64, UInt32)

        public init(bytes: UnsafeRawBufferPointer) {
            precondition(bytes.count == AES256GCM.nonceByteCount,
                         "an AES-256-GCM nonce is \(AES256GCM.nonceByteCount) bytes, got \(bytes.count)")
            storage = (bytes.loadUnaligned(as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        }

        public init(bytes: [UInt8]) {
            self = bytes.withUnsafeBytes { Nonce(bytes: $0) }
        }

        /// A fresh random nonce; see `AES256GCM` for how many messages one key may seal so.
        public static func random() -> Nonce {
            var storage: (UInt64, UInt32) = (0, 0)
            withUnsafeMutableBytes(of: &storage) { SecureRandom.fill($0) }
            return Nonce(storage: storage)
        }

        private init(storage: (UInt64, UInt32)) {
            self.storage = storage
        }

        public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            // The tuple's size is exactly 12 bytes (its stride, 16, is not what is exposed).
            try Swift.withUnsafeBytes(of: storage, body)
        }

        public static func == (lhs: Nonce, rhs: Nonce) -> Bool {
            lhs.storage == rhs.storage
        }
    }
}
