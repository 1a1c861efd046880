/// Splits a pack's pieces (sorted by offset) into the ranges to read in one request each.
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

    /// Consecutive ranges of `pieces`' indices, each read with one request from the first
    /// piece's offset to the furthest end.
    func split(_ pieces: ArraySlice<RestorePlan.Piece>) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        var start = pieces.startIndex
        var end = 0
        for index in pieces.indices {
            let piece = pieces[index]
            let offset = Int(piece.packOffset)
            if index > start && (offset - end > gap || offset + Int(piece.length) - Int(pieces[start].packOffset) > maximumSpan) {
                spans.append(start..<index)
                start = index
            }
            end = index == start ? offset + Int(piece.length) : max(end, offset + Int(piece.length))
        }
        if start < pieces.endIndex { spans.append(start..<pieces.endIndex) }
        return spans
    }

    /// The bytes `span` needs, as a range of the pack.
    static func byteRange(of span: Range<Int>, in pieces: [RestorePlan.Piece]) -> Range<Int> {
        let start = Int(pieces[span.lowerBound].packOffset)
        let end = pieces[span].reduce(start) { max($0, Int($1.packOffset) + Int($1.length)) }
        return start..<end
    }
}
