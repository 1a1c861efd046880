import Repo
import TestSupport

/// Reproducible object ids and contents for storage tests: a failure seen once can be
/// replayed with the same bytes.
struct SeededObjects {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// SplitMix64: tiny and good enough to make ids and contents that differ everywhere.
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
        return mixed ^ (mixed >> 31)
    }

    /// 64 lowercase hex digits.
    mutating func id() -> String {
        (0..<4).map { _ in
            let hex = String(next(), radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// An id beginning with `prefix` (hex digits), to aim at a given shard.
    mutating func id(startingWith prefix: String) -> String {
        prefix + id().dropFirst(prefix.count)
    }

    mutating func name(_ kind: ObjectKind) -> ObjectName {
        ObjectName(kind, id())
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 8)
        while bytes.count < count {
            withUnsafeBytes(of: next()) { bytes.append(contentsOf: $0) }
        }
        return Array(bytes.prefix(count))
    }
}
