import Testing
import Codec

/// Runs the buffer-based APIs with exactly sized output buffers followed by guard
/// bytes, and checks the guard afterwards: the codec must never write past `out`.
enum GuardedBuffers {
    static let guardSize = 64
    static let guardByte: UInt8 = 0xA5

    static func encode(_ input: [UInt8], with compressor: BlobCompressor,
                       sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8] {
        let size = BlobCompressor.maxEncodedSize(forInput: input.count)
        var storage = [UInt8](repeating: guardByte, count: size + guardSize)
        let written = storage.withUnsafeMutableBytes { buffer in
            input.withUnsafeBytes { compressor.encode($0, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<size])) }
        }
        #expect(written <= size, sourceLocation: sourceLocation)
        #expect(storage[size...].allSatisfy { $0 == guardByte }, "encoder wrote past out", sourceLocation: sourceLocation)
        return Array(storage[..<written])
    }

    /// Decodes into an output of `outputSize` bytes (default: exactly the declared size).
    static func decode(_ frame: [UInt8], with decompressor: BlobDecompressor, outputSize: Int? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        let size: Int
        if let outputSize {
            size = outputSize
        } else {
            size = try frame.withUnsafeBytes {
                try BlobDecompressor.decodedSize(of: $0, maximumDecodedSize: decompressor.maximumDecodedSize)
            }
        }
        var storage = [UInt8](repeating: guardByte, count: size + guardSize)
        let result: Result<Int, CodecError> = storage.withUnsafeMutableBytes { buffer in
            frame.withUnsafeBytes { bytes in
                Result { () throws(CodecError) in
                    try decompressor.decode(bytes, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<size]))
                }
            }
        }
        #expect(storage[size...].allSatisfy { $0 == guardByte }, "decoder wrote past out", sourceLocation: sourceLocation)
        let count = try result.get()
        return Array(storage[..<count])
    }
}
