import Testing
@testable import Codec

struct LEB128Tests {
    static let values: [UInt64] = [0, 1, 127, 128, 255, 300, 16_383, 16_384, 1 << 20, UInt64(UInt32.max),
                                   1 << 63, .max - 1, .max]

    func encode(_ value: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: LEB128.maximumEncodedSize)
        let count = bytes.withUnsafeMutableBytes { LEB128.write(value, to: $0.baseAddress!) }
        return Array(bytes[..<count])
    }

    func decode(_ bytes: [UInt8]) throws -> (value: UInt64, size: Int) {
        try bytes.withUnsafeBytes { try LEB128.read(from: $0, at: 0) }
    }

    @Test(arguments: values)
    func roundTrips(value: UInt64) throws {
        let bytes = encode(value)
        #expect(bytes.count == LEB128.encodedSize(of: value))
        let decoded = try decode(bytes + [0xFF])  // trailing bytes are not part of the varint
        #expect(decoded.value == value)
        #expect(decoded.size == bytes.count)
    }

    @Test func knownEncodings() {
        #expect(encode(0) == [0x00])
        #expect(encode(127) == [0x7F])
        #expect(encode(128) == [0x80, 0x01])
        #expect(encode(300) == [0xAC, 0x02])
        #expect(encode(.max) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    @Test func rejectsNonCanonicalAndOverlongForms() {
        #expect(throws: CodecError.malformedLength) { try decode([0x80, 0x00]) }
        #expect(throws: CodecError.malformedLength) { try decode([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]) }
        #expect(throws: CodecError.malformedLength) { try decode([UInt8](repeating: 0x80, count: 10) + [0x01]) }
    }

    @Test func rejectsTruncation() {
        #expect(throws: CodecError.truncatedFrame) { try decode([]) }
        #expect(throws: CodecError.truncatedFrame) { try decode([0x80]) }
        #expect(throws: CodecError.truncatedFrame) { try decode([0xFF, 0xFF]) }
    }
}
