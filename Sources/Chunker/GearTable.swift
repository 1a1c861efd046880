/// The 256 random 64-bit values the gear rolling hash adds, one per byte value.
///
/// A repository derives its table from a secret seed, so that someone who knows the
/// algorithm but not the seed cannot predict where boundaries fall and so cannot learn
/// about file contents from the sizes of stored chunks.
public struct GearTable: Sendable, Equatable {
    /// Exactly 256 entries.
    let values: [UInt64]

    /// Builds the table from 2048 bytes of key material (for example HKDF output),
    /// read as 256 little-endian 64-bit words.
    public init(keyMaterial: some Collection<UInt8>) throws(ChunkerError) {
        guard keyMaterial.count == Self.keyMaterialByteCount else {
            throw .invalidGearTable("needs \(Self.keyMaterialByteCount) bytes of key material, got \(keyMaterial.count)")
        }
        var values = [UInt64](repeating: 0, count: 256)
        var iterator = keyMaterial.makeIterator()
        for entry in 0..<256 {
            var word: UInt64 = 0
            for byte in 0..<8 { word |= UInt64(iterator.next()!) << UInt64(8 * byte) }
            values[entry] = word
        }
        guard Set(values).count == 256 else { throw .invalidGearTable("entries are not distinct") }
        self.values = values
    }

    /// A table expanded from a 64-bit seed with SplitMix64: deterministic and well mixed,
    /// but not secret. For tests and benchmarks; repositories use `init(keyMaterial:)`.
    public init(seed: UInt64) {
        var state = seed
        var values = [UInt64]()
        values.reserveCapacity(256)
        for _ in 0..<256 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            values.append(z ^ (z >> 31))
        }
        self.values = values
    }

    public static let keyMaterialByteCount = 256 * 8
}
