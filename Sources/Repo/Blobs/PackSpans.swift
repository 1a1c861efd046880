/// Splits the blobs needed from one pack (sorted by offset) into the ranges to read in one
/// request each.
///
/// Bytes between two needed blobs are read along with them when the gap is small: a
/// second request costs more than skipping a little data, on a disk and far more on an
/// object store, where any read shorter than `preferredReadSize` costs as much as that
/// size. A span never grows past `maximumSpan` (unless one blob is larger), which bounds the
/// memory a worker holds: 4 MiB reads cost a disk no more per byte than whole packs.
struct PackSpans {
    /// Largest gap read through rather than split at.
    let gap: Int
    let maximumSpan: Int

    init(preferredReadSize: Int, gap: Int = 1 << 20, maximumSpan: Int = 4 << 20) {
        self.gap = max(gap, preferredReadSize)
        self.maximumSpan = max(maximumSpan, preferredReadSize)
    }

    /// One request from the first blob to the last, whatever lies between (prune copies
    /// blobs out of packs that were read whole).
    static let oneRequest = PackSpans(preferredReadSize: 0, gap: .max / 4, maximumSpan: .max / 4)

    /// Consecutive ranges of `entries`' indices, each read with one request from the first
    /// entry's offset to the furthest end.
    func split(_ entries: ArraySlice<PackEntry>) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        var start = entries.startIndex
        var end = 0
        for index in entries.indices {
            let entry = entries[index]
            if index > start && (entry.offset - end > gap || entry.offset + entry.length - entries[start].offset > maximumSpan) {
                spans.append(start..<index)
                start = index
            }
            end = index == start ? entry.offset + entry.length : max(end, entry.offset + entry.length)
        }
        if start < entries.endIndex { spans.append(start..<entries.endIndex) }
        return spans
    }

    /// The bytes `span` needs, as a range of the pack.
    static func byteRange(of span: Range<Int>, in entries: [PackEntry]) -> Range<Int> {
        let start = entries[span.lowerBound].offset
        let end = entries[span].reduce(start) { max($0, $1.offset + $1.length) }
        return start..<end
    }
}
