import TestSupport
import Testing
@testable import Codec

/// Corrupt and hostile frames are refused with the right error, never crash, never
/// write past `out` and never make the decoder allocate what they claim.
struct CorruptFrameTests {
    /// A frame of SQL text (zlib unless told otherwise) and its pieces.
    struct Sample {
        let input: [UInt8]
        let frame: [UInt8]
        let payload: ArraySlice<UInt8>

        init(size: Int = 50_000, algorithm: CompressionPolicy.Algorithm = .zlib) {
            input = DataKind.sql.bytes(size, seed: 11)
            frame = GuardedBuffers.encode(input, with: BlobCompressor(policy: CompressionPolicy(algorithm: algorithm)))
            let headerSize = 1 + LEB128.encodedSize(of: UInt64(size))
            payload = frame[headerSize...]
        }
    }

    func decodeError(_ frame: [UInt8], decompressor: BlobDecompressor = BlobDecompressor(),
                     outputSize: Int? = nil) -> CodecError? {
        do {
            _ = try GuardedBuffers.decode(frame, with: decompressor, outputSize: outputSize)
            return nil
        } catch {
            return error as? CodecError
        }
    }

    @Test func emptyFrameIsTruncated() {
        #expect(decodeError([]) == .truncatedFrame)
        #expect(throws: CodecError.truncatedFrame) { try [UInt8]().withUnsafeBytes { try BlobDecompressor.decodedSize(of: $0) } }
    }

    @Test func unknownCodecIsNamed() {
        let error = decodeError([0x7f, 1, 2, 3])
        #expect(error == .unknownCodec(0x7f))
        #expect(error?.description.contains("0x7f") == true)
        #expect(error?.description.contains("newer") == true)
    }

    @Test func truncatedPayloadIsTruncated() {
        let sample = Sample()
        for keep in [sample.frame.count / 2, sample.frame.count - 10, 4] {
            #expect(decodeError(Array(sample.frame.prefix(keep))) == .truncatedFrame, "kept \(keep) bytes")
        }
    }

    @Test func truncatedHeaderIsTruncated() {
        #expect(decodeError([CodecID.zlib.rawValue]) == .truncatedFrame)
        #expect(decodeError([CodecID.zlib.rawValue, 0x80]) == .truncatedFrame)
        #expect(decodeError([CodecID.zlib.rawValue, 0xAC, 0x02]) == .truncatedFrame)  // no payload
    }

    @Test func invalidBlockTypeIsCorrupt() {
        let sample = Sample()
        var frame = [UInt8].zlibFrame(declaring: UInt64(sample.input.count), payload: sample.payload)
        frame[frame.count - sample.payload.count] |= 0b110  // BTYPE = 11, reserved in RFC 1951
        #expect(decodeError(frame) == .corruptData)
    }

    /// Neither deflate nor zstd frames as written carry a checksum (AES-GCM authenticates
    /// the blob), so a flipped byte may still decode, but only ever to exactly the declared
    /// length; otherwise it must throw. Either way nothing is written past `out`.
    @Test(arguments: CompressionPolicy.Algorithm.allCases)
    func flippedBytesNeverEscapeTheOutput(algorithm: CompressionPolicy.Algorithm) throws {
        let sample = Sample(size: 20_000, algorithm: algorithm)
        let decompressor = BlobDecompressor()
        var detected = 0
        for position in 1..<sample.frame.count {
            var frame = sample.frame
            frame[position] ^= 0x5A
            do {
                let decoded = try GuardedBuffers.decode(frame, with: decompressor)
                #expect(decoded.count == sample.input.count || position < 4)
            } catch {
                detected += 1
            }
        }
        #expect(detected * 2 > sample.frame.count, "most single-byte flips should be caught")
        // The decompressor is still sound after all those failures.
        #expect(try GuardedBuffers.decode(sample.frame, with: decompressor) == sample.input)
    }

    /// Garbage behind a plausible header (for zstd, behind its magic number, so that it
    /// reaches the decoder): every frame either throws or decodes to exactly its declared
    /// length, and none writes past its output.
    @Test(arguments: CompressionPolicy.Algorithm.allCases)
    func garbageFramesNeverEscapeTheOutput(algorithm: CompressionPolicy.Algorithm) throws {
        var generator = SeededGenerator(seed: 404)
        let decompressor = BlobDecompressor()
        let start = algorithm == .zstd ? Self.zstdMagic : []
        for _ in 0..<2000 {
            let declared = generator.next() % 100_000
            let payload = start + TestData.random(Int(generator.next() % 300), seed: generator.next())
            let frame = [UInt8].compressedFrame(algorithm.codec, declaring: declared, payload: payload)
            if let decoded = try? GuardedBuffers.decode(frame, with: decompressor) {
                #expect(decoded.count == Int(declared))
            }
        }
        let sample = Sample(algorithm: algorithm)
        #expect(try GuardedBuffers.decode(sample.frame, with: decompressor) == sample.input)
    }

    @Test func declaredLengthTooShortIsAMismatch() {
        let sample = Sample()
        let n = sample.input.count
        let frame = [UInt8].zlibFrame(declaring: UInt64(n - 1), payload: sample.payload)
        #expect(decodeError(frame) == .sizeMismatch(declared: n - 1, actual: nil))
    }

    @Test func declaredLengthTooLongIsAMismatch() {
        let sample = Sample()
        let n = sample.input.count
        let frame = [UInt8].zlibFrame(declaring: UInt64(n + 1), payload: sample.payload)
        #expect(decodeError(frame) == .sizeMismatch(declared: n + 1, actual: n))
    }

    @Test func declaredLengthAboveTheCapIsRefusedBeforeAllocating() {
        let limit = BlobDecompressor.defaultMaximumDecodedSize
        let frame = [UInt8].zlibFrame(declaring: UInt64(limit + 1), payload: [UInt8](repeating: 0, count: 100))
        #expect(decodeError(frame, outputSize: 0) == .declaredSizeExceedsLimit(declared: UInt64(limit + 1), limit: limit))
        #expect(throws: CodecError.declaredSizeExceedsLimit(declared: UInt64(limit + 1), limit: limit)) {
            try frame.withUnsafeBytes { try BlobDecompressor().decode($0) }
        }
        let huge = [UInt8].zlibFrame(declaring: .max, payload: [0])
        #expect(throws: CodecError.declaredSizeExceedsLimit(declared: .max, limit: limit)) {
            try huge.withUnsafeBytes { try BlobDecompressor.decodedSize(of: $0) }
        }
    }

    @Test func customCapApplies() {
        let sample = Sample(size: 4096)
        let decompressor = BlobDecompressor(maximumDecodedSize: 1024)
        #expect(decodeError(sample.frame, decompressor: decompressor, outputSize: 4096)
                == .declaredSizeExceedsLimit(declared: 4096, limit: 1024))
        let stored: [UInt8] = [CodecID.none.rawValue] + [UInt8](repeating: 7, count: 1025)
        #expect(decodeError(stored, decompressor: decompressor, outputSize: 2000)
                == .declaredSizeExceedsLimit(declared: 1025, limit: 1024))
    }

    @Test func declaredLengthBeyondDeflatesMaximumRatioIsCorrupt() {
        // One payload byte cannot expand to 10 MiB (deflate tops out at 1032:1).
        let frame = [UInt8].zlibFrame(declaring: 10 << 20, payload: [0x03])
        #expect(throws: CodecError.corruptData) { try frame.withUnsafeBytes { try BlobDecompressor.decodedSize(of: $0) } }
        #expect(decodeError(frame, outputSize: 0) == .corruptData)
    }

    @Test func outputTooSmallIsRefusedBeforeWriting() {
        let sample = Sample()
        let n = sample.input.count
        #expect(decodeError(sample.frame, outputSize: n - 1) == .outputTooSmall(required: n, available: n - 1))
        let stored: [UInt8] = [CodecID.none.rawValue, 1, 2, 3]
        #expect(decodeError(stored, outputSize: 2) == .outputTooSmall(required: 3, available: 2))
    }

    @Test func bytesAfterTheDeflateStreamAreCorrupt() {
        let sample = Sample()
        #expect(decodeError(sample.frame + [0]) == .corruptData)
    }

    @Test func nonCanonicalLengthIsMalformed() {
        // 5 encoded as 0x85 0x00 instead of 0x05.
        let frame: [UInt8] = [CodecID.zlib.rawValue, 0x85, 0x00, 0x03, 0x00]
        #expect(decodeError(frame, outputSize: 5) == .malformedLength)
    }

    @Test func errorsDescribeThemselves() {
        let errors: [CodecError] = [.unknownCodec(9), .truncatedFrame, .malformedLength,
                                    .declaredSizeExceedsLimit(declared: 5, limit: 4), .corruptData,
                                    .sizeMismatch(declared: 3, actual: 2), .sizeMismatch(declared: 3, actual: nil),
                                    .outputTooSmall(required: 3, available: 2)]
        #expect(Set(errors.map(\.description)).count == errors.count)
    }
}
