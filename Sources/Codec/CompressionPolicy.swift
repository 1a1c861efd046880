/// How hard a ``BlobCompressor`` tries, and when it gives up and stores a chunk as is.
///
/// The defaults come from measurements (release build, one core of the 2-core reference
/// machine, CPU time, medians of 3 runs):
///
/// - `algorithm` zstd, `level` 3. On the 1 GB bench corpus (SQL dumps, logs, web
///   sources, media; chunked as a snapshot chunks it: `repo-bench codecs DIR`), over
///   its 654 MB of compressible files:
///
///       setting   encode MB/s  decode MB/s  stored/input      setting   encode  decode  stored
///       zlib:1        112          336         0.310          zstd:-1     298    1057    0.371
///       zlib:2        114          365         0.302          zstd:1      254     896    0.287
///       zlib:3        102          383         0.297          zstd:2      295     923    0.285
///       zlib:6         63          367         0.277          zstd:3      236     851    0.281
///
///   zstd 3 encodes 2.1x as fast as zlib 2 and stores 6.8% less (1.4% more than zlib 6,
///   at 3.7x its speed), and decodes 2.3x as fast. zstd 1 and 2 encode 5–25% faster than
///   level 3 (the spread over runs on a shared machine; 4–8% less CPU in a whole snapshot,
///   where chunking, hashing and encryption cost the same) and store 1.5–2% more; level 3
///   is kept for its size, which is paid for as long as the data is kept, and is zstd's
///   own default. Negative levels save no more CPU than level 1 in a whole snapshot and
///   store 32% more. A first snapshot of the corpus (`repo snapshot`, 2 cores): 5.2 s of
///   user CPU and 544.8 MB stored with zstd 3, 8.0 s and 558.4 MB with zlib 2; its
///   restore 1.5 s of CPU instead of 2.4 s.
/// - zlib (the algorithm of repositories made before zstd): level 2, as zlib's levels
///   1–3 use its fast matcher and 4–9 its lazy one; level 2 keeps level 1's speed (C
///   headers on 1 MiB chunks: 129 vs 142 MB/s) while storing 6% less text; level 3 saves
///   another 4% at 25–50% less speed; level 6 saves 17% more than level 2 but runs 3x
///   slower. zlib's decoding speed does not depend on the level.
/// - `minimumSavings` 3%: on the media mix, lowering it to 1% gains 0.5% of space but
///   costs 40% of encode speed and 30% of restore speed (chunks that barely shrink must
///   still be inflated on every restore); raising it to 5% loses 1–2% of space. 3% is
///   also 30x above what the sample estimates for random data, so noise cannot cross it.
/// - `incompressibleSampleBytes` 16 KiB: 8 pieces on chunks of 128 KiB and up, 4 on
///   64 KiB; costs 15–45 µs per chunk, so incompressible data passes at about 4 GB/s
///   with 64 KiB chunks and 17–20 GB/s with 1 MiB chunks (the copy into the frame
///   included).
public struct CompressionPolicy: Sendable, Equatable {
    /// The compression algorithm; its name is the repository config's `compression`.
    public enum Algorithm: String, Sendable, CaseIterable, CustomStringConvertible {
        case zlib, zstd

        /// Levels this program accepts: zlib 1 (fastest) ... 9 (smallest); zstd -7 ... -1
        /// (faster, larger), then 1 ... 19 (zstd's 20–22 differ from 19 mostly by windows
        /// larger than any chunk, and are not offered).
        public var levels: ClosedRange<Int32> {
            switch self {
            case .zlib: 1...9
            case .zstd: -7...19
            }
        }

        /// Whether `level` is one of `levels`; zstd has no level 0 (zstd reads it as "the
        /// default level", which is a different level per library version).
        public func accepts(_ level: Int) -> Bool {
            levels.contains(Int32(clamping: level)) && level != 0
        }

        /// The level used when none is given (see the type's documentation).
        public var defaultLevel: Int32 {
            switch self {
            case .zlib: 2
            case .zstd: 3
            }
        }

        /// The codec id of the frames this algorithm writes.
        public var codec: CodecID {
            switch self {
            case .zlib: .zlib
            case .zstd: .zstd
            }
        }

        public var description: String { rawValue }
    }

    /// The algorithm compressed frames are written with.
    public let algorithm: Algorithm
    /// The algorithm's level, one of `algorithm.levels`.
    public let level: Int32
    /// Bytes of the chunk examined to guess whether the whole chunk is worth compressing
    /// (see `IncompressibilityProbe`); 0 disables the guess and every chunk gets a full
    /// attempt. Taken in 2 KiB pieces spread over the chunk, and limited to 1/8 of it.
    public let incompressibleSampleBytes: Int
    /// Fraction of the chunk compression must save to be kept (and that the sample must
    /// save for a full attempt to be made). Below it the chunk is stored as is, because
    /// a few percent of space is not worth decompressing the chunk on every restore.
    public let minimumSavings: Double

    /// `level` defaults to the algorithm's `defaultLevel`.
    public init(algorithm: Algorithm = .zstd, level: Int32? = nil, incompressibleSampleBytes: Int = 16 * 1024,
                minimumSavings: Double = 0.03) {
        let level = level ?? algorithm.defaultLevel
        precondition(algorithm.accepts(Int(level)), "\(algorithm) level must be in \(algorithm.levels) (not 0), got \(level)")
        precondition(incompressibleSampleBytes >= 0, "sample size must not be negative")
        precondition(minimumSavings >= 0 && minimumSavings < 1, "minimumSavings must be in 0..<1")
        self.algorithm = algorithm
        self.level = level
        self.incompressibleSampleBytes = incompressibleSampleBytes
        self.minimumSavings = minimumSavings
    }

    /// zstd at its default level, a 16 KiB sample, 3% minimum savings (see the type's
    /// documentation).
    public static let `default` = CompressionPolicy()
}

extension CompressionPolicy {
    /// `ALGORITHM[:LEVEL]`, as `repo init --compression` takes it: "zstd", "zlib:6",
    /// "zstd:-1"; the level defaults to the algorithm's. Nil for an unknown algorithm or a
    /// level it does not accept.
    public init?(setting: String) {
        let parts = setting.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let algorithm = Algorithm(rawValue: String(parts[0])) else { return nil }
        guard parts.count == 2 else {
            self.init(algorithm: algorithm)
            return
        }
        guard let level = Int(parts[1]), algorithm.accepts(level) else { return nil }
        self.init(algorithm: algorithm, level: Int32(level))
    }

    /// The algorithm and level in the form `init(setting:)` reads: "zstd:3".
    public var setting: String { "\(algorithm):\(level)" }
}
