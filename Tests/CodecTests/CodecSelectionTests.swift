import Testing
import Codec

/// Which codec each kind of content ends up with, and what it costs, for each algorithm.
struct CodecSelectionTests {
    static let chunkSizes = [64 << 10, 256 << 10, 1 << 20, 4 << 20]
    static let algorithms = CompressionPolicy.Algorithm.allCases

    static func compressor(_ algorithm: CompressionPolicy.Algorithm) -> BlobCompressor {
        BlobCompressor(policy: CompressionPolicy(algorithm: algorithm))
    }

    @Test(arguments: chunkSizes + [1, 100, 600, 5000])
    func randomDataIsStoredWithOneByteOverhead(size: Int) {
        let input = DataKind.random.bytes(size, seed: UInt64(size))
        let frame = GuardedBuffers.encode(input, with: BlobCompressor())
        #expect(frame.first == CodecID.none.rawValue)
        #expect(frame.count == size + 1)
        #expect(Array(frame.dropFirst()) == input)
    }

    @Test(arguments: chunkSizes)
    func randomDataIsRejectedByTheSampleWithoutAFullAttempt(size: Int) {
        let compressor = BlobCompressor()
        _ = GuardedBuffers.encode(DataKind.random.bytes(size), with: compressor)
        #expect(compressor.statistics.storedBySample == 1)
        #expect(compressor.statistics.storedAfterAttempt == 0)
    }

    @Test func randomDataIsStoredEvenWithoutTheSample() {
        let compressor = BlobCompressor(policy: CompressionPolicy(incompressibleSampleBytes: 0))
        let frame = GuardedBuffers.encode(DataKind.random.bytes(100_000), with: compressor)
        #expect(frame.count == 100_001)
        #expect(compressor.statistics.storedAfterAttempt == 1)
    }

    @Test(arguments: [DataKind.sql, .source, .mixed, .zeros], chunkSizes)
    func compressibleDataIsNeverMisclassifiedAsIncompressible(kind: DataKind, size: Int) throws {
        for algorithm in Self.algorithms {
            let compressor = Self.compressor(algorithm)
            let frame = GuardedBuffers.encode(kind.bytes(size), with: compressor)
            #expect(frame.first == algorithm.codec.rawValue, "\(algorithm)")
            #expect(compressor.statistics.compressed == 1, "\(algorithm)")
            #expect(compressor.statistics.storedBySample == 0, "\(algorithm)")
        }
    }

    @Test(arguments: algorithms, chunkSizes)
    func sqlTextCompressesAtLeastTwofold(algorithm: CompressionPolicy.Algorithm, size: Int) {
        let frame = GuardedBuffers.encode(DataKind.sql.bytes(size), with: Self.compressor(algorithm))
        #expect(frame.first == algorithm.codec.rawValue)
        #expect(frame.count * 2 <= size)
    }

    @Test(arguments: algorithms)
    func zerosCompressEnormously(algorithm: CompressionPolicy.Algorithm) {
        let size = 4 << 20
        let frame = GuardedBuffers.encode(DataKind.zeros.bytes(size), with: Self.compressor(algorithm))
        #expect(frame.first == algorithm.codec.rawValue)
        #expect(frame.count * 200 < size)
    }

    @Test(arguments: algorithms)
    func halfRandomHalfTextIsCompressed(algorithm: CompressionPolicy.Algorithm) {
        let size = 1 << 20
        let frame = GuardedBuffers.encode(DataKind.mixed.bytes(size), with: Self.compressor(algorithm))
        #expect(frame.first == algorithm.codec.rawValue)
        #expect(Double(frame.count) < Double(size) * 0.75)
    }

    @Test(arguments: algorithms)
    func compressedFrameDeclaresTheUncompressedLength(algorithm: CompressionPolicy.Algorithm) throws {
        let size = 300  // LEB128: 0xAC 0x02
        let frame = GuardedBuffers.encode(DataKind.zeros.bytes(size), with: Self.compressor(algorithm))
        #expect(Array(frame.prefix(3)) == [algorithm.codec.rawValue, 0xAC, 0x02])
        #expect(try frame.withUnsafeBytes { try BlobDecompressor.decodedSize(of: $0) } == size)
    }

    /// zstd frames are written with the magic number but without content size and checksum
    /// (format.md): header 28 B5 2F FD, then a frame header descriptor with the
    /// Single_Segment, Content_Checksum and Frame_Content_Size bits clear.
    @Test func zstdFrameHasMagicButNoContentSizeOrChecksum() {
        let frame = GuardedBuffers.encode(DataKind.sql.bytes(50_000), with: Self.compressor(.zstd))
        let payload = Array(frame.dropFirst(1 + 3))  // id, varint of 50,000
        #expect(Array(payload.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])
        let descriptor = payload[4]
        #expect(descriptor & 0b1110_0100 == 0, "FCS flag, single segment and checksum clear: \(String(descriptor, radix: 2))")
    }

    @Test func savingsBelowTheMinimumAreStoredAsIs() {
        // SQL text saves about 80%; demanding 95% must store it.
        let compressor = BlobCompressor(policy: CompressionPolicy(minimumSavings: 0.95))
        let input = DataKind.sql.bytes(100_000)
        let frame = GuardedBuffers.encode(input, with: compressor)
        #expect(frame.first == CodecID.none.rawValue)
        #expect(frame.count == input.count + 1)
    }

    @Test(arguments: [(CompressionPolicy.Algorithm.zlib, [1, 2, 6, 9]), (.zstd, [-5, 1, 3, 9, 19])])
    func higherLevelsCompressTextAtLeastAsWell(algorithm: CompressionPolicy.Algorithm, levels: [Int32]) {
        let input = DataKind.source.bytes(1 << 20)
        let sizes = levels.map { level in
            GuardedBuffers.encode(input, with: BlobCompressor(policy: CompressionPolicy(algorithm: algorithm, level: level))).count
        }
        #expect(sizes == sizes.sorted(by: >))
    }

    @Test func statisticsAddUp() {
        let compressor = BlobCompressor()
        let inputs = [DataKind.random.bytes(100_000), DataKind.sql.bytes(100_000), [], DataKind.zeros.bytes(5000)]
        let total = inputs.map { GuardedBuffers.encode($0, with: compressor).count }.reduce(0, +)
        let statistics = compressor.statistics
        #expect(statistics.chunks == 4)
        #expect(statistics.storedBySample == 1)
        #expect(statistics.compressed == 2)
        #expect(statistics.storedAfterAttempt == 1)  // the empty chunk
        #expect(statistics.inputBytes == 205_000)
        #expect(statistics.outputBytes == total)
    }

    @Test func codecIDsAreTheOnDiskContract() {
        #expect(CodecID.none.rawValue == 0)
        #expect(CodecID.zlib.rawValue == 1)
        #expect(CodecID.zstd.rawValue == 2)
        #expect(CodecID.allCases.count == 3)
    }

    @Test func maxEncodedSizeIsTheStoredFrameSize() {
        #expect(BlobCompressor.maxEncodedSize(forInput: 0) == 1)
        #expect(BlobCompressor.maxEncodedSize(forInput: 1 << 20) == (1 << 20) + 1)
    }
}
