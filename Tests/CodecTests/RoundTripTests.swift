import Testing
import Codec

/// Everything encoded decodes to exactly the input, through both API styles, for every
/// kind of content, sizes from empty to 8 MiB and every algorithm.
struct RoundTripTests {
    static let sizes = [0, 1, 2, 3, 100, 511, 512, 4096, 65_535, 65_536, 65_537, (1 << 20) - 1, 1 << 20, (1 << 20) + 1,
                        (4 << 20) + 3, 8 << 20]

    @Test(arguments: DataKind.allCases, sizes)
    func roundTripsThroughBufferAPI(kind: DataKind, size: Int) throws {
        let input = kind.bytes(size)
        for algorithm in CompressionPolicy.Algorithm.allCases {
            let frame = GuardedBuffers.encode(input, with: BlobCompressor(policy: CompressionPolicy(algorithm: algorithm)))
            #expect(frame.count <= BlobCompressor.maxEncodedSize(forInput: size))
            #expect([CodecID.none.rawValue, algorithm.codec.rawValue].contains(frame.first), "\(algorithm)")
            let decoded = try GuardedBuffers.decode(frame, with: BlobDecompressor())
            #expect(decoded.count == input.count, "\(algorithm)")
            #expect(decoded == input, "\(algorithm)")
        }
    }

    @Test(arguments: DataKind.allCases, CompressionPolicy.Algorithm.allCases)
    func roundTripsThroughArrayAPI(kind: DataKind, algorithm: CompressionPolicy.Algorithm) throws {
        let input = kind.bytes(300_000, seed: 7)
        let frame = input.withUnsafeBytes { BlobCompressor(policy: CompressionPolicy(algorithm: algorithm)).encode($0) }
        let decoded = try frame.withUnsafeBytes { try BlobDecompressor().decode($0) }
        #expect(decoded == input)
    }

    @Test(arguments: CompressionPolicy.Algorithm.allCases.flatMap { algorithm in
        algorithm.levels.filter { algorithm.accepts(Int($0)) }.map { (algorithm, $0) }
    })
    func everyLevelRoundTrips(algorithm: CompressionPolicy.Algorithm, level: Int32) throws {
        let input = DataKind.sql.bytes(200_000)
        let compressor = BlobCompressor(policy: CompressionPolicy(algorithm: algorithm, level: level))
        let frame = GuardedBuffers.encode(input, with: compressor)
        #expect(frame.first == algorithm.codec.rawValue)
        #expect(try GuardedBuffers.decode(frame, with: BlobDecompressor()) == input)
    }

    @Test func arrayEncodingDoesNotKeepTheUncompressedCapacity() {
        let frame = DataKind.zeros.bytes(1 << 20).withUnsafeBytes { BlobCompressor().encode($0) }
        #expect(frame.capacity < 64 << 10)
    }

    @Test func emptyInputIsAOneByteStoredFrame() throws {
        let frame = GuardedBuffers.encode([], with: BlobCompressor())
        #expect(frame == [CodecID.none.rawValue])
        #expect(try GuardedBuffers.decode(frame, with: BlobDecompressor()) == [])
    }

    @Test func oneByteInputIsStored() throws {
        let frame = GuardedBuffers.encode([0x42], with: BlobCompressor())
        #expect(frame == [CodecID.none.rawValue, 0x42])
        #expect(try GuardedBuffers.decode(frame, with: BlobDecompressor()) == [0x42])
    }

    @Test func decodesIntoLargerOutputWithoutTouchingTheRest() throws {
        let input = DataKind.source.bytes(10_000)
        let frame = GuardedBuffers.encode(input, with: BlobCompressor())
        var out = [UInt8](repeating: 0xEE, count: input.count + 100)
        let count = try out.withUnsafeMutableBytes { buffer in
            try frame.withUnsafeBytes { try BlobDecompressor().decode($0, into: buffer) }
        }
        #expect(count == input.count)
        #expect(Array(out[..<count]) == input)
        #expect(out[count...].allSatisfy { $0 == 0xEE })
    }
}
