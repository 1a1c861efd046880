/// Encodes chunks into self-describing frames (see ``CodecID``), compressing those that
/// are worth it with the policy's algorithm (zlib's raw deflate or zstd) and storing the
/// rest as is.
///
/// Reusable and allocation-free per chunk: it owns one deflate stream or one zstd
/// context, reset rather than recreated, and the scratch tables of its incompressibility
/// probe. Compressed output goes straight into the caller's buffer; a chunk is copied
/// (once) only when it is stored as is.
///
/// Decoders refuse frames larger than their `maximumDecodedSize` (64 MiB by default),
/// so chunks must stay below that.
///
/// Not thread-safe, and deliberately not `Sendable`: it owns mutable zlib or zstd state.
/// Use one compressor per thread or task.
public final class BlobCompressor {
    public let policy: CompressionPolicy
    /// Counters over every chunk encoded so far.
    public private(set) var statistics = CodecStatistics()

    /// The compressor of the policy's algorithm, created once.
    private enum Engine {
        case zlib(DeflateStream)
        case zstd(ZstdCompressionContext)
    }

    private let engine: Engine
    private let probe: IncompressibilityProbe?

    /// Largest chunk accepted (zlib counts bytes in 32 bits).
    public static let maximumInputSize = Int(UInt32.max)

    public init(policy: CompressionPolicy = .default) {
        self.policy = policy
        switch policy.algorithm {
        case .zlib: engine = .zlib(DeflateStream(level: policy.level))
        case .zstd: engine = .zstd(ZstdCompressionContext(level: policy.level))
        }
        probe = policy.incompressibleSampleBytes > 0
            ? IncompressibilityProbe(sampleBytes: policy.incompressibleSampleBytes, minimumSavings: policy.minimumSavings)
            : nil
    }

    /// Size `encode(_:into:)` needs for its output buffer: the size of the stored frame,
    /// input plus one id byte. Compressed frames are only chosen when smaller than that,
    /// so this bound holds for every codec.
    public static func maxEncodedSize(forInput count: Int) -> Int { count + 1 }

    /// Whether compression would likely save at least `policy.minimumSavings` on data like
    /// `sample`, judged by the same cheap estimate `encode` uses (about 2 ns a byte).
    /// Samples too small to judge count as compressible.
    public func looksCompressible(_ sample: UnsafeRawBufferPointer) -> Bool {
        !(probe?.looksIncompressible(sample) ?? false)
    }

    /// Encodes `input` into `out` and returns the frame length.
    ///
    /// - Precondition: `out.count >= maxEncodedSize(forInput: input.count)`, the buffers
    ///   do not overlap and `input.count <= maximumInputSize`. All of `out` up to that
    ///   bound may be written, not just the returned length.
    public func encode(_ input: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        precondition(input.count <= Self.maximumInputSize, "chunk larger than \(Self.maximumInputSize) bytes")
        precondition(out.count >= Self.maxEncodedSize(forInput: input.count),
                     "output holds \(out.count) bytes, encoding may need \(Self.maxEncodedSize(forInput: input.count))")
        precondition(!Self.overlap(input, UnsafeRawBufferPointer(out)), "input and output overlap")

        let written: Int
        if let probe, probe.looksIncompressible(input) {
            written = store(input, into: out)
            statistics.storedBySample += 1
        } else if let compressed = compress(input, into: out) {
            written = compressed
            statistics.compressed += 1
        } else {
            written = store(input, into: out)
            statistics.storedAfterAttempt += 1
        }
        statistics.chunks += 1
        statistics.inputBytes += input.count
        statistics.outputBytes += written
        return written
    }

    /// Encodes `input` into a new array. Allocates; prefer `encode(_:into:)` on hot paths.
    public func encode(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let capacity = Self.maxEncodedSize(forInput: input.count)
        let frame = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            count = encode(input, into: UnsafeMutableRawBufferPointer(buffer))
        }
        // Do not let a well-compressed chunk pin its uncompressed size in memory.
        return frame.count < capacity - capacity / 4 ? frame.withUnsafeBufferPointer { Array($0) } : frame
    }

    /// Writes the `none` frame.
    private func store(_ input: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        out[0] = CodecID.none.rawValue
        if let source = input.baseAddress, input.count > 0 {
            (out.baseAddress! + 1).copyMemory(from: source, byteCount: input.count)
        }
        return 1 + input.count
    }

    /// Writes the `zlib` or `zstd` frame, or returns nil if it would not save
    /// `minimumSavings` over the stored frame. Both write directly into `out`, limited to
    /// the largest payload worth keeping, so a hopeless attempt stops once that is exceeded.
    private func compress(_ input: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        let storedSize = Self.maxEncodedSize(forInput: input.count)
        let requiredSavings = max(1, Int((Double(input.count) * policy.minimumSavings).rounded(.up)))
        let headerSize = 1 + LEB128.encodedSize(of: UInt64(input.count))
        let payloadBudget = storedSize - requiredSavings - headerSize
        guard payloadBudget > 0 else { return nil }

        let payload = UnsafeMutableRawBufferPointer(rebasing: out[headerSize ..< headerSize + payloadBudget])
        let payloadSize: Int?
        switch engine {
        case .zlib(let deflater): payloadSize = deflater.compress(input, into: payload)
        case .zstd(let context): payloadSize = context.compress(input, into: payload)
        }
        guard let payloadSize else { return nil }
        out[0] = policy.algorithm.codec.rawValue
        LEB128.write(UInt64(input.count), to: out.baseAddress! + 1)
        return headerSize + payloadSize
    }

    private static func overlap(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard let a0 = a.baseAddress, let b0 = b.baseAddress, a.count > 0, b.count > 0 else { return false }
        return a0 < b0 + b.count && b0 < a0 + a.count
    }
}

@available(*, unavailable, message: "owns zlib or zstd state; use one BlobCompressor per thread or task")
extension BlobCompressor: Sendable {}
