import Testing
import Codec

/// Which codec each kind of content ends up with, and what it costs.
struct CodecSelectionTests {
    static let chunkSizes = [64 << 10, 256 << 10, 1 << 20, 4 << 20]

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
        let compressor = BlobCompressor()
        let frame = GuardedBuffers.encode(kind.bytes(size), with: compressor)
        #expect(frame.first == CodecID.zlib.rawValue)
        #expect(compressor.statistics.compressed == 1)
        #expect(compressor.statistics.storedBySample == 0)
    }

    @Test(arguments: chunkSizes)
    func sqlTextCompressesAtLeastTwofold(size: Int) {
        let frame = GuardedBuffers.encode(DataKind.sql.bytes(size), with: BlobCompressor())
        #expect(frame.first == CodecID.zlib.rawValue)
        #expect(frame.count * 2 <= size)
    }

    @Test func zerosCompressEnormously() {
        let size = 4 << 20
        let frame = GuardedBuffers.encode(DataKind.zeros.bytes(size), with: BlobCompressor())
        #expect(frame.first == CodecID.zlib.rawValue)
        #expect(frame.count * 200 < size)
    }

    @Test func halfRandomHalfTextIsCompressed() {
        let size = 1 << 20
        let frame = GuardedBuffers.encode(DataKind.mixed.bytes(size), with: BlobCompressor())
        #expect(frame.first == CodecID.zlib.rawValue)
        #expect(Double(frame.count) < Double(size) * 0.75)
    }

    @Test func zlibFrameDeclaresTheUncompressedLength() throws {
        let size = 300  // LEB128: 0xAC 0x02
        let frame = GuardedBuffers.encode(DataKind.zeros.bytes(size), with: BlobCompressor())
        #expect(Array(frame.prefix(3)) == [CodecID.zlib.rawValue, 0xAC, 0x02])
        #expect(try frame.withUnsafeBytes { try BlobDecompressor.decodedSize(of: $0) } == size)
    }

    @Test func savingsBelowTheMinimumAreStoredAsIs() {
        // SQL text saves about 80%; demanding 95% must store it.
        let compressor = BlobCompressor(policy: CompressionPolicy(minimumSavings: 0.95))
        let input = DataKind.sql.bytes(100_000)
        let frame = GuardedBuffers.encode(input, with: compressor)
        #expect(frame.first == CodecID.none.rawValue)
        #expect(frame.count == input.count + 1)
    }

    @Test func higherLevelsCompressTextAtLeastAsWell() {
        let input = DataKind.source.bytes(1 << 20)
        let sizes = [1, 2, 6, 9].map { level in
            GuardedBuffers.encode(input, with: BlobCompressor(policy: CompressionPolicy(level: Int32(level)))).count
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
        #expect(CodecID.allCases.count == 2)
    }

    @Test func maxEncodedSizeIsTheStoredFrameSize() {
        #expect(BlobCompressor.maxEncodedSize(forInput: 0) == 1)
        #expect(BlobCompressor.maxEncodedSize(forInput: 1 << 20) == (1 << 20) + 1)
    }
}
