import TestSupport

/// Bytes from a hex string written in a test; traps on a typo rather than testing garbage.
func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map { index in
        UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)!
    }
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// Helpers on the shared seeded generator (SplitMix64, in TestSupport), so that a failing
/// randomised test fails the same way when run again.
extension SeededGenerator {
    mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &self) }
    }

    /// Splits `count` into consecutive pieces of random sizes from 1 to `maximum`.
    mutating func pieces(of count: Int, maximum: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while start < count {
            let end = min(count, start + Int.random(in: 1...maximum, using: &self))
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }
}
