@testable import Storage
import TestSupport

/// Reproducible object ids and contents for storage tests: a failure seen once can be
/// replayed with the same bytes.
struct SeededObjects {
    private var generator: SeededGenerator

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    /// SplitMix64 (TestSupport's `SeededGenerator`): tiny and good enough to make ids and
    /// contents that differ everywhere.
    mutating func next() -> UInt64 {
        generator.next()
    }

    /// 64 lowercase hex digits.
    mutating func id() -> String {
        generator.hexID()
    }

    /// An id beginning with `prefix` (hex digits), to aim at a given shard.
    mutating func id(startingWith prefix: String) -> String {
        prefix + id().dropFirst(prefix.count)
    }

    mutating func name(_ kind: ObjectKind) -> ObjectName {
        ObjectName(kind, id())
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        generator.bytes(count)
    }
}
