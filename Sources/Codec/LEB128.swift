/// Unsigned LEB128 varints, used for the uncompressed length in frame headers.
///
/// Seven bits per byte, least significant group first, high bit set on every byte but
/// the last. Decoding accepts only the canonical (shortest) form of a 64-bit value, so
/// every length has exactly one encoding and a frame cannot smuggle padding into its
/// header.
public enum LEB128 {
    /// The longest encoding of a `UInt64`.
    public static let maximumEncodedSize = 10

    /// Number of bytes `write(_:to:)` produces for `value`.
    public static func encodedSize(of value: UInt64) -> Int {
        let significantBits = max(1, 64 - value.leadingZeroBitCount)
        return (significantBits + 6) / 7
    }

    /// Writes `value` at `destination` and returns the number of bytes written
    /// (`encodedSize(of: value)`); the caller guarantees the room.
    @discardableResult
    public static func write(_ value: UInt64, to destination: UnsafeMutableRawPointer) -> Int {
        var rest = value
        var offset = 0
        while rest >= 0x80 {
            destination.storeBytes(of: UInt8(truncatingIfNeeded: rest) | 0x80, toByteOffset: offset, as: UInt8.self)
            rest >>= 7
            offset += 1
        }
        destination.storeBytes(of: UInt8(rest), toByteOffset: offset, as: UInt8.self)
        return offset + 1
    }

    /// Reads the varint starting at `offset` in `buffer`.
    public static func read(from buffer: UnsafeRawBufferPointer, at offset: Int) throws(CodecError) -> (value: UInt64, size: Int) {
        var value: UInt64 = 0
        var index = offset
        var shift: UInt64 = 0
        while true {
            guard index < buffer.count else { throw .truncatedFrame }
            let byte = buffer[index]
            index += 1
            let group = UInt64(byte & 0x7f)
            // The tenth byte may only carry the single remaining bit of a UInt64.
            if shift == 63 && group > 1 { throw .malformedLength }
            value |= group << shift
            if byte & 0x80 == 0 {
                // A zero final group after other groups is a non-shortest encoding.
                if group == 0 && index - offset > 1 { throw .malformedLength }
                return (value, index - offset)
            }
            shift += 7
            if shift > 63 { throw .malformedLength }
        }
    }
}
