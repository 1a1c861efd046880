import CZstd
import TestSupport
import Testing
@testable import Codec

/// Corrupt and hostile zstd frames: refused with a `CodecError`, never a crash, never a
/// write past `out`, never an allocation of what they claim.
extension CorruptFrameTests {
    static let zstdMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    @Test func zstdTruncatedPayloadIsTruncated() {
        let sample = Sample(algorithm: .zstd)
        #expect(sample.frame.first == CodecID.zstd.rawValue)
        let headerSize = sample.frame.count - sample.payload.count
        for keep in [sample.frame.count / 2, sample.frame.count - 10, sample.frame.count - 1, headerSize + 2,
                     headerSize + 4, headerSize + 5] {
            #expect(decodeError(Array(sample.frame.prefix(keep))) == .truncatedFrame, "kept \(keep) bytes")
        }
        #expect(decodeError([CodecID.zstd.rawValue]) == .truncatedFrame)
        #expect(decodeError([CodecID.zstd.rawValue, 0x80]) == .truncatedFrame)
        #expect(decodeError([CodecID.zstd.rawValue, 0xAC, 0x02]) == .truncatedFrame)  // no payload
    }

    @Test func zstdPayloadWithoutTheMagicNumberIsCorrupt() {
        let sample = Sample(algorithm: .zstd)
        var frame = sample.frame
        frame[frame.count - sample.payload.count] ^= 0x01
        #expect(decodeError(frame) == .corruptData)
        // A skippable frame (magic 0x184D2A50) that would decode to nothing.
        let skippable = [UInt8].compressedFrame(.zstd, declaring: 0, payload: [0x50, 0x2A, 0x4D, 0x18, 0, 0, 0, 0])
        #expect(decodeError(skippable) == .corruptData)
    }

    @Test func zstdDeclaredLengthMustMatch() {
        let sample = Sample(algorithm: .zstd)
        let n = sample.input.count
        let short = [UInt8].compressedFrame(.zstd, declaring: UInt64(n - 1), payload: sample.payload)
        #expect(decodeError(short) == .sizeMismatch(declared: n - 1, actual: nil))
        let long = [UInt8].compressedFrame(.zstd, declaring: UInt64(n + 1), payload: sample.payload)
        #expect(decodeError(long) == .sizeMismatch(declared: n + 1, actual: n))
        let zero = [UInt8].compressedFrame(.zstd, declaring: 0, payload: sample.payload)
        #expect(decodeError(zero) == .sizeMismatch(declared: 0, actual: nil))
    }

    @Test func zstdHugeClaimedLengthIsRefusedBeforeAllocating() {
        let limit = BlobDecompressor.defaultMaximumDecodedSize
        let sample = Sample(algorithm: .zstd)
        let aboveCap = [UInt8].compressedFrame(.zstd, declaring: UInt64(limit + 1), payload: sample.payload)
        #expect(decodeError(aboveCap, outputSize: 0) == .declaredSizeExceedsLimit(declared: UInt64(limit + 1), limit: limit))
        #expect(throws: CodecError.declaredSizeExceedsLimit(declared: UInt64(limit + 1), limit: limit)) {
            try aboveCap.withUnsafeBytes { try BlobDecompressor().decode($0) }
        }
        let huge = [UInt8].compressedFrame(.zstd, declaring: .max, payload: sample.payload)
        #expect(throws: CodecError.declaredSizeExceedsLimit(declared: .max, limit: limit)) {
            try huge.withUnsafeBytes { try BlobDecompressor.decodedSize(of: $0) }
        }
        // 8 payload bytes cannot expand to 1 MiB (zstd tops out at 32768:1).
        let beyondRatio = [UInt8].compressedFrame(.zstd, declaring: 1 << 20, payload: Self.zstdMagic + [0, 0, 0, 0])
        #expect(throws: CodecError.corruptData) { try beyondRatio.withUnsafeBytes { try BlobDecompressor.decodedSize(of: $0) } }
        #expect(decodeError(beyondRatio, outputSize: 0) == .corruptData)
    }

    /// The highest real expansion stays within the bound the header check assumes.
    @Test func zstdExpansionOfZerosIsWithinTheBound() throws {
        let size = 8 << 20
        let frame = GuardedBuffers.encode(DataKind.zeros.bytes(size),
                                          with: BlobCompressor(policy: CompressionPolicy(algorithm: .zstd, level: 19)))
        let payloadSize = frame.count - 1 - LEB128.encodedSize(of: UInt64(size))
        #expect(size <= payloadSize * FrameHeader.maximumZstdExpansion)
        #expect(try GuardedBuffers.decode(frame, with: BlobDecompressor()).count == size)
    }

    @Test func zstdBytesAfterTheFrameAreCorrupt() {
        let sample = Sample(algorithm: .zstd)
        #expect(decodeError(sample.frame + [0]) == .corruptData)
        // A second complete frame is not part of the chunk either.
        #expect(decodeError(sample.frame + Array(sample.payload)) == .corruptData)
    }

    /// Frames from another zstd encoder, with content size and checksum, are accepted; a
    /// wrong checksum or a content size that contradicts the varint is refused.
    @Test func zstdFramesWithContentSizeAndChecksumAreAccepted() throws {
        let input = DataKind.source.bytes(30_000)
        var payload = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let context = try #require(ZSTD_createCCtx())
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        let size = payload.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { ZSTD_compress2(context, out.baseAddress, out.count, $0.baseAddress, $0.count) }
        }
        #expect(ZSTD_isError(size) == 0)
        payload.removeLast(payload.count - size)
        #expect(payload[4] & 0b1100_0100 != 0, "the frame carries content size and checksum")

        let frame = [UInt8].compressedFrame(.zstd, declaring: UInt64(input.count), payload: payload)
        #expect(try GuardedBuffers.decode(frame, with: BlobDecompressor()) == input)

        var badChecksum = frame
        badChecksum[badChecksum.count - 1] ^= 0xFF
        #expect(decodeError(badChecksum) == .corruptData)
        let contradicting = [UInt8].compressedFrame(.zstd, declaring: UInt64(input.count + 1), payload: payload)
        #expect(decodeError(contradicting) != nil)
    }
}

/// One decompressor reads zlib, zstd and stored frames in any order: a repository's
/// configured compression only decides what is written.
struct MixedCodecTests {
    @Test func oneDecompressorDecodesAMixtureOfCodecs() throws {
        let compressors = [BlobCompressor(policy: CompressionPolicy(algorithm: .zlib)),
                           BlobCompressor(policy: CompressionPolicy(algorithm: .zstd, level: 1)),
                           BlobCompressor(policy: CompressionPolicy(algorithm: .zstd, level: -3))]
        let decompressor = BlobDecompressor()
        var generator = SeededGenerator(seed: 77)
        var codecs = Set<UInt8>()
        for iteration in 0..<300 {
            let kind = DataKind.allCases[iteration % DataKind.allCases.count]
            let input = kind.bytes(Int(generator.next() % 200_000), seed: generator.next())
            let frame = GuardedBuffers.encode(input, with: compressors[Int(generator.next() % 3)])
            codecs.insert(frame[0])
            #expect(try GuardedBuffers.decode(frame, with: decompressor) == input, "iteration \(iteration)")
        }
        #expect(codecs == Set(CodecID.allCases.map(\.rawValue)))
    }
}

/// The algorithm and level settings of `repo init --compression` and the config.
struct CompressionPolicyTests {
    @Test func settingsParse() {
        #expect(CompressionPolicy(setting: "zlib") == CompressionPolicy(algorithm: .zlib, level: 2))
        #expect(CompressionPolicy(setting: "zlib:6") == CompressionPolicy(algorithm: .zlib, level: 6))
        #expect(CompressionPolicy(setting: "zstd") == CompressionPolicy(algorithm: .zstd))
        #expect(CompressionPolicy(setting: "zstd:19")?.level == 19)
        #expect(CompressionPolicy(setting: "zstd:-7")?.level == -7)
        for bad in ["", "lz4", "zstd:", "zstd:0", "zstd:20", "zstd:-8", "zlib:0", "zlib:10", "zlib:x", "ZSTD", "zstd:1:2", ":3"] {
            #expect(CompressionPolicy(setting: bad) == nil, "\(bad)")
        }
        for policy in [CompressionPolicy(algorithm: .zlib, level: 9), CompressionPolicy(algorithm: .zstd, level: -3)] {
            #expect(CompressionPolicy(setting: policy.setting) == policy)
        }
    }

    @Test func levelsArePerAlgorithm() {
        #expect(CompressionPolicy.Algorithm.zlib.accepts(1) && CompressionPolicy.Algorithm.zlib.accepts(9))
        #expect(!CompressionPolicy.Algorithm.zlib.accepts(0) && !CompressionPolicy.Algorithm.zlib.accepts(-1))
        #expect(CompressionPolicy.Algorithm.zstd.accepts(-7) && CompressionPolicy.Algorithm.zstd.accepts(19))
        #expect(!CompressionPolicy.Algorithm.zstd.accepts(0) && !CompressionPolicy.Algorithm.zstd.accepts(22))
        #expect(!CompressionPolicy.Algorithm.zstd.accepts(Int.max) && !CompressionPolicy.Algorithm.zstd.accepts(Int.min))
        for algorithm in CompressionPolicy.Algorithm.allCases {
            #expect(algorithm.accepts(Int(algorithm.defaultLevel)))
        }
    }
}
