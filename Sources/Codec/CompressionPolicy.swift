/// How hard a ``BlobCompressor`` tries, and when it gives up and stores a chunk as is.
///
/// The defaults come from measurements on 1 MiB chunks (release build, one core of the
/// 2-core reference machine; C headers, SQL-like and source-like text, an ELF binary,
/// .gz files and a mix of PNG/JPEG/zip/xz files):
///
/// - `level` 2: levels 1–3 use zlib's fast matcher, 4–9 its lazy one. Level 2 keeps
///   level 1's speed (C headers: 129 vs 142 MB/s) while storing 6% less text (ratio
///   5.0 vs 4.7); level 3 saves another 4% at 25–50% less speed; level 6 saves 17%
///   more than level 2 but runs 3x slower (42 MB/s, 26 MB/s on the binary), which on
///   two cores would make compression the bottleneck of every first backup. Decoding
///   speed does not depend on the level. Repositories that favour size can pick 6.
/// - `minimumSavings` 3%: on the media mix, lowering it to 1% gains 0.5% of space but
///   costs 40% of encode speed and 30% of restore speed (chunks that barely shrink must
///   still be inflated on every restore); raising it to 5% loses 1–2% of space. 3% is
///   also 30x above what the sample estimates for random data, so noise cannot cross it.
/// - `incompressibleSampleBytes` 16 KiB: 8 pieces on chunks of 128 KiB and up, 4 on
///   64 KiB; costs 15–45 µs per chunk, so incompressible data passes at about 4 GB/s
///   with 64 KiB chunks and 17–20 GB/s with 1 MiB chunks (the copy into the frame
///   included).
public struct CompressionPolicy: Sendable, Equatable {
    /// zlib level, 1 (fastest) ... 9 (smallest).
    public let level: Int32
    /// Bytes of the chunk examined to guess whether the whole chunk is worth compressing
    /// (see `IncompressibilityProbe`); 0 disables the guess and every chunk gets a full
    /// attempt. Taken in 2 KiB pieces spread over the chunk, and limited to 1/8 of it.
    public let incompressibleSampleBytes: Int
    /// Fraction of the chunk compression must save to be kept (and that the sample must
    /// save for a full attempt to be made). Below it the chunk is stored as is, because
    /// a few percent of space is not worth inflating the chunk on every restore.
    public let minimumSavings: Double

    public init(level: Int32 = 2, incompressibleSampleBytes: Int = 16 * 1024, minimumSavings: Double = 0.03) {
        precondition((1...9).contains(level), "zlib level must be 1...9, got \(level)")
        precondition(incompressibleSampleBytes >= 0, "sample size must not be negative")
        precondition(minimumSavings >= 0 && minimumSavings < 1, "minimumSavings must be in 0..<1")
        self.level = level
        self.incompressibleSampleBytes = incompressibleSampleBytes
        self.minimumSavings = minimumSavings
    }

    /// Level 2, a 16 KiB sample, 3% minimum savings (see the type's documentation).
    public static let `default` = CompressionPolicy()
}
