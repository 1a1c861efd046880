import Codec
import Crypto

/// Reads what `BinaryWriter` wrote, checking every length against what is left, so that
/// a corrupt or hostile object yields a `FormatError` and never a crash or a huge
/// allocation.
struct BinaryReader {
    private let bytes: [UInt8]
    private(set) var offset = 0
    /// What is being read, for error messages ("tree 1a2b…", "index 3c4d…").
    let context: String

    init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.context = context
    }

    var isAtEnd: Bool { offset == bytes.count }
    var remaining: Int { bytes.count - offset }

    func corrupt(_ why: String) -> FormatError { .corrupt(context, why) }

    mutating func expect(magic: String) throws(FormatError) {
        let expected = Array(magic.utf8)
        guard remaining >= expected.count, Array(bytes[offset..<offset + expected.count]) == expected else {
            throw corrupt("not a \(magic) object")
        }
        offset += expected.count
    }

    /// The magic and format version every sealed object starts with; a version other than
    /// `version` is one this build cannot read.
    mutating func expectHeader(magic: String, version: UInt8) throws(FormatError) {
        try expect(magic: magic)
        let found = try byte()
        guard found == version else {
            throw FormatError.unsupportedVersion(object: context, version: Int(found), supported: Int(version))
        }
    }

    /// The magic and one of the format `versions` this build reads; returns which.
    mutating func expectHeader(magic: String, versions: ClosedRange<UInt8>) throws(FormatError) -> UInt8 {
        try expect(magic: magic)
        let found = try byte()
        guard versions.contains(found) else {
            throw FormatError.unsupportedVersion(object: context, version: Int(found), supported: Int(versions.upperBound))
        }
        return found
    }

    mutating func byte() throws(FormatError) -> UInt8 {
        guard remaining >= 1 else { throw corrupt("truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() throws(FormatError) -> UInt64 {
        let start = offset
        let parsed = bytes.withUnsafeBytes { buffer in Result { try LEB128.read(from: buffer, at: start) } }
        guard case .success(let result) = parsed else { throw corrupt("bad or truncated number") }
        offset += result.size
        return result.value
    }

    /// A varint that must fit `limit` (counts and lengths: never trust them further).
    mutating func count(atMost limit: Int) throws(FormatError) -> Int {
        let value = try varint()
        guard value <= UInt64(limit) else { throw corrupt("count \(value) exceeds \(limit)") }
        return Int(value)
    }

    mutating func uint32() throws(FormatError) -> UInt32 {
        guard remaining >= 4 else { throw corrupt("truncated") }
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(bytes[offset + i]) << UInt32(8 * i) }
        offset += 4
        return value
    }

    mutating func int64() throws(FormatError) -> Int64 {
        guard remaining >= 8 else { throw corrupt("truncated") }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
        offset += 8
        return Int64(bitPattern: value)
    }

    mutating func digest() throws(FormatError) -> Digest256 {
        guard remaining >= Digest256.byteCount else { throw corrupt("truncated") }
        defer { offset += Digest256.byteCount }
        return bytes.withUnsafeBytes { Digest256(bytes: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + Digest256.byteCount])) }
    }

    mutating func data() throws(FormatError) -> [UInt8] {
        let length = try varint()
        guard length <= UInt64(remaining) else { throw corrupt("length \(length) runs past the end") }
        let count = Int(length)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Exactly `count` raw bytes (a fixed-size field).
    mutating func bytes(count: Int) throws(FormatError) -> [UInt8] {
        guard remaining >= count else { throw corrupt("truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A varint that must fit in 32 bits (modes, ids, nanoseconds).
    mutating func uint32Varint() throws(FormatError) -> UInt32 {
        let value = try varint()
        guard value <= UInt64(UInt32.max) else { throw corrupt("value \(value) does not fit 32 bits") }
        return UInt32(value)
    }

    mutating func string() throws(FormatError) -> String {
        let raw = try data()
        guard let text = String(validating: raw, as: UTF8.self) else { throw corrupt("string is not UTF-8") }
        return text
    }

    mutating func expectEnd() throws(FormatError) {
        guard isAtEnd else { throw corrupt("\(remaining) unexpected trailing bytes") }
    }
}
