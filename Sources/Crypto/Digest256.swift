/// A 256-bit digest or MAC: the id of a blob.
///
/// Stored inline as four words so that billions of ids cost no heap allocations and a
/// `Dictionary` keyed by them stays compact. The words hold the bytes in memory order; they
/// are not numbers, and only `<` gives them one (big-endian) to order by bytes.
///
/// `==` is not constant-time: to check a MAC against a secret key, use
/// `HMACSHA256.isValid(_:for:key:)`.
public struct Digest256: Sendable {
    public static let byteCount = 32
    public static let zero = Digest256(words: (0, 0, 0, 0))

    @usableFromInline
    var words: (UInt64, UInt64, UInt64, UInt64)

    init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    public init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == Self.byteCount, "Digest256 needs exactly 32 bytes, got \(bytes.count)")
        words = (
            bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
            bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
            bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        )
    }

    /// Lets libcrypto write a digest straight into the inline storage.
    init(writingWith write: (UnsafeMutablePointer<UInt8>) -> Void) {
        words = (0, 0, 0, 0)
        Swift.withUnsafeMutableBytes(of: &words) { write($0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
    }

    /// Parses exactly 64 hexadecimal digits, in either case.
    public init?(hex: String) {
        var hex = hex
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let parsed = hex.withUTF8 { digits in
            guard digits.count == 2 * Self.byteCount else { return false }
            return Swift.withUnsafeMutableBytes(of: &words) { bytes in
                for index in 0..<Self.byteCount {
                    guard let high = hexValue(digits[2 * index]), let low = hexValue(digits[2 * index + 1]) else {
                        return false
                    }
                    bytes[index] = high << 4 | low
                }
                return true
            }
        }
        guard parsed else { return nil }
        self.words = words
    }

    /// Lowercase hexadecimal, 64 digits.
    public var hex: String {
        withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: 2 * Self.byteCount) { digits in
                for (index, byte) in bytes.enumerated() {
                    digits[2 * index] = hexDigit(byte >> 4)
                    digits[2 * index + 1] = hexDigit(byte & 0xF)
                }
                return 2 * Self.byteCount
            }
        }
    }

    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit &- UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit &- UInt8(ascii: "a") &+ 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit &- UInt8(ascii: "A") &+ 10
    default: nil
    }
}

private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ nibble &- 10
}

// The comparison and hashing operations are inlinable because ids are compared and hashed
// in other modules' hottest loops (index lookups, deduplication), where a call per
// operation would dominate.
extension Digest256: Hashable {
    @inlinable
    public static func == (lhs: Digest256, rhs: Digest256) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1
            && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    /// Hashes only the first eight bytes. Ids are outputs of SHA-256 or HMAC-SHA-256, so
    /// those are already uniformly distributed, and `Hasher`'s per-process seed keeps anyone
    /// from choosing ids that collide in a table; hashing all 32 bytes would buy nothing.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
    }
}

extension Digest256: Comparable {
    /// Lexicographic byte order, the order of `hex` and of `memcmp`.
    @inlinable
    public static func < (lhs: Digest256, rhs: Digest256) -> Bool {
        let left = (UInt64(bigEndian: lhs.words.0), UInt64(bigEndian: lhs.words.1),
                    UInt64(bigEndian: lhs.words.2), UInt64(bigEndian: lhs.words.3))
        let right = (UInt64(bigEndian: rhs.words.0), UInt64(bigEndian: rhs.words.1),
                     UInt64(bigEndian: rhs.words.2), UInt64(bigEndian: rhs.words.3))
        return left < right
    }
}

extension Digest256: CustomStringConvertible {
    public var description: String { hex }
}

/// Encoded as its hex string, so that ids stay readable in JSON and other text formats.
extension Digest256: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let hex = try container.decode(String.self)
        guard let digest = Digest256(hex: hex) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not 64 hex digits: \(hex)")
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
