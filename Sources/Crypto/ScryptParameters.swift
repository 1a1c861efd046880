extension Scrypt {
    /// scrypt's cost parameters, stored alongside what they protect so that it can be opened
    /// again with the same costs.
    ///
    /// Parameters may come from a file an attacker can edit, so `Scrypt.deriveKey` validates
    /// them, including a memory cap, before doing any work.
    public struct Parameters: Codable, Sendable, Equatable {
        /// The CPU/memory cost N itself (not its logarithm): a power of two, at least 2.
        public let n: UInt64
        /// The block size r, at least 1.
        public let r: UInt32
        /// The parallelisation p, at least 1. libcrypto computes the p lanes one after the
        /// other, so p multiplies the time but barely the memory.
        public let p: UInt32

        public init(n: UInt64, r: UInt32, p: UInt32) {
            self.n = n
            self.r = r
            self.p = p
        }

        /// N = 2^15, r = 8, p = 1: 32 MiB and about 0.15 s, the usual choice when a person
        /// waits for the derivation.
        public static let interactive = Parameters(n: 1 << 15, r: 8, p: 1)

        /// The most memory derivation may use; parameters needing more are refused, so that a
        /// forged configuration cannot make us allocate without bound.
        public static let maximumMemoryByteCount = 4 << 30

        /// The memory derivation needs, as libcrypto counts it: the V array of 128·r·(N + 2)
        /// bytes plus the p lanes of 128·r bytes each.
        ///
        /// Throws `.invalidParameters` unless the parameters are ones RFC 7914 defines and
        /// libcrypto accepts, and they fit in `maximumMemoryByteCount`.
        public func validatedMemoryByteCount() throws(CryptoError) -> Int {
            guard n >= 2, n & (n - 1) == 0 else {
                throw .invalidParameters("scrypt N must be a power of two of at least 2, got \(n)")
            }
            guard r >= 1, p >= 1 else {
                throw .invalidParameters("scrypt r and p must be at least 1, got r=\(r) p=\(p)")
            }
            // RFC 7914 §2 requires N < 2^(128·r/8) and p·r ≤ 2^30 - 1; libcrypto further
            // passes the 128·r·p bytes of lanes to PBKDF2 as an int, so p·r < 2^24.
            if 16 * UInt64(r) < 64, n >= 1 << (16 * UInt64(r)) {
                throw .invalidParameters("scrypt N must be less than 2^(16·r) = 2^\(16 * r), got \(n)")
            }
            guard UInt64(p) * UInt64(r) < 1 << 24 else {
                throw .invalidParameters("scrypt p·r must be less than 2^24, got p=\(p) r=\(r)")
            }
            let block = 128 * UInt64(r)
            let (v, vOverflow) = block.multipliedReportingOverflow(by: n + 2)
            let (lanes, lanesOverflow) = block.multipliedReportingOverflow(by: UInt64(p))
            let (total, totalOverflow) = v.addingReportingOverflow(lanes)
            guard !vOverflow, !lanesOverflow, !totalOverflow, total <= UInt64(Self.maximumMemoryByteCount) else {
                throw .invalidParameters(
                    "scrypt with N=\(n) r=\(r) p=\(p) needs more than the \(Self.maximumMemoryByteCount >> 20) MiB allowed")
            }
            return Int(total)
        }
    }
}
