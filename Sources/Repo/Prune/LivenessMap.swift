/// One bit per blob of the index, by its position in the sorted index: set once some
/// snapshot is found to refer to the blob. An eighth of a byte per blob is all prune adds
/// to the index it already holds.
struct LivenessMap {
    private var words: [UInt64]

    init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }

    /// Sets the bit of `position`; false when it was already set.
    mutating func insert(_ position: Int) -> Bool {
        let mask: UInt64 = 1 << UInt64(position & 63)
        let word = words[position >> 6]
        guard word & mask == 0 else { return false }
        words[position >> 6] = word | mask
        return true
    }

    func contains(_ position: Int) -> Bool { words[position >> 6] & (1 << UInt64(position & 63)) != 0 }
}
