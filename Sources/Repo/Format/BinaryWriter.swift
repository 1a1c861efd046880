import Codec
import Crypto

/// Builds the binary encodings of trees, pack headers and index objects.
struct BinaryWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    mutating func append(magic: String) { bytes.append(contentsOf: magic.utf8) }

    /// What `BinaryReader.expectHeader(magic:version:)` checks.
    mutating func appendHeader(magic: String, version: UInt8) {
        append(magic: magic)
        append(version)
    }

    mutating func append(varint value: UInt64) {
        var scratch: (UInt64, UInt16) = (0, 0)  // 10 bytes: the longest varint
        withUnsafeMutableBytes(of: &scratch) { scratch in
            let count = LEB128.write(value, to: scratch.baseAddress!)
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<count]))
        }
    }

    mutating func append(varint value: Int) { append(varint: UInt64(value)) }

    mutating func append(uint32 value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(int64 value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ digest: Digest256) { digest.withUnsafeBytes { bytes.append(contentsOf: $0) } }

    /// A length-prefixed byte string.
    mutating func append(data: some Collection<UInt8>) {
        append(varint: data.count)
        bytes.append(contentsOf: data)
    }

    /// Bytes as they are, already encoded.
    mutating func append(raw: some Collection<UInt8>) { bytes.append(contentsOf: raw) }

    /// A length-prefixed UTF-8 string.
    mutating func append(string: String) { append(data: Array(string.utf8)) }
}
