/// Finds content-defined chunk boundaries in a stream delivered in pieces of any size.
///
/// FastCDC with normalized chunking: a gear hash (`h = h << 1 + gear[byte]`) rolls over
/// the bytes; a cut is made after the first byte at which the top bits of `h` selected by
/// the mask are all zero. Below the average size a stricter mask applies, above it a
/// looser one, which narrows the spread of chunk sizes around the average.
///
/// The scanner never copies or retains the bytes it is shown; it keeps only the hash and
/// the position within the current chunk. The boundaries it reports therefore depend on
/// the bytes alone, never on how they were split into reads.
public struct ChunkBoundaryScanner: Sendable {
    public let parameters: ChunkerParameters
    private let gear: [UInt64]
    private let smallMask: UInt64
    private let largeMask: UInt64
    /// Where hashing starts within a chunk. Every shift pushes one bit out of the 64-bit
    /// hash, so bytes more than 64 before the minimum size cannot influence any cut:
    /// they are skipped without being read.
    private let warmupStart: Int

    /// Bytes of the current chunk seen so far.
    private var position = 0
    private var hash: UInt64 = 0

    public init(parameters: ChunkerParameters, gear: GearTable) {
        self.parameters = parameters
        self.gear = gear.values
        self.smallMask = parameters.smallChunkMask
        self.largeMask = parameters.largeChunkMask
        self.warmupStart = max(0, parameters.minimumSize - 64)
    }

    /// The number of bytes of the current chunk that precede `buffer`.
    public var pendingByteCount: Int { position }

    /// Scans `buffer`, which continues the stream where the previous call stopped.
    ///
    /// - Returns: how many leading bytes of `buffer` complete the current chunk, if it
    ///   ends inside `buffer`; the scanner then starts a new chunk, and the caller scans
    ///   the rest of the buffer with another call. `nil` when all of `buffer` belongs to
    ///   the current chunk, which goes on.
    public mutating func nextBoundary(in buffer: UnsafeRawBufferPointer) -> Int? {
        guard let start = buffer.baseAddress, !buffer.isEmpty else { return nil }
        let bytes = start.assumingMemoryBound(to: UInt8.self)
        let count = buffer.count
        let minimum = parameters.minimumSize, average = parameters.averageSize, maximum = parameters.maximumSize
        let smallMask = self.smallMask, largeMask = self.largeMask
        var i = 0
        var pos = position

        // Bytes before the warm-up cannot influence a cut: skip them unread.
        if pos < warmupStart {
            i = Swift.min(count, warmupStart - pos)
            pos += i
        }

        var h = hash
        let cut: Int? = gear.withUnsafeBufferPointer { table -> Int? in
            let g = table.baseAddress!
            // Warm-up: fill the hash window; no cut before the minimum size.
            if pos < minimum {
                let end = i + Swift.min(count - i, minimum - pos)
                pos += end - i
                while i < end {
                    h = (h << 1) &+ g[Int(bytes[i])]
                    i += 1
                }
                if pos < minimum { return nil }
            }
            // Before the average size: the stricter mask.
            if pos < average {
                let end = i + Swift.min(count - i, average - pos)
                if let cut = Self.roll(bytes, from: i, to: end, mask: smallMask, hash: &h, gear: g) { return cut }
                pos += end - i
                i = end
                if pos < average { return nil }
            }
            // After it: the looser mask, up to the maximum.
            if pos < maximum {
                let end = i + Swift.min(count - i, maximum - pos)
                if let cut = Self.roll(bytes, from: i, to: end, mask: largeMask, hash: &h, gear: g) { return cut }
                pos += end - i
                i = end
                if pos < maximum { return nil }
            }
            return i  // The maximum size: cut whatever the content.
        }

        if let cut {
            position = 0
            hash = 0
            return cut
        }
        position = pos
        hash = h
        return nil
    }

    /// Rolls the hash over `bytes[from..<to]`; returns the index just past the first byte
    /// at which `hash & mask == 0`, or nil when there is none in the range.
    ///
    /// The obvious loop is bound by its dependency chain (shift, then add, per byte). Four
    /// bytes at a time, the next hash is computed from the previous one with a single
    /// shift-and-add (`h << 4 + t`, where `t` combines the four table values off the chain),
    /// while the three intermediate hashes that the cut test needs are computed beside it.
    @inline(__always)
    private static func roll(
        _ bytes: UnsafePointer<UInt8>, from: Int, to end: Int, mask: UInt64,
        hash: inout UInt64, gear g: UnsafePointer<UInt64>
    ) -> Int? {
        var h = hash
        var i = from
        while end - i >= 4 {
            let g0 = g[Int(bytes[i])], g1 = g[Int(bytes[i + 1])]
            let g2 = g[Int(bytes[i + 2])], g3 = g[Int(bytes[i + 3])]
            let h1 = (h << 1) &+ g0
            let h2 = (h << 2) &+ ((g0 << 1) &+ g1)
            let h3 = (h << 3) &+ ((g0 << 2) &+ (g1 << 1) &+ g2)
            let h4 = (h << 4) &+ ((g0 << 3) &+ (g1 << 2) &+ (g2 << 1) &+ g3)
            if (h1 & mask) == 0 || (h2 & mask) == 0 || (h3 & mask) == 0 || (h4 & mask) == 0 {
                break  // A cut within these four bytes: the byte-wise loop below finds it.
            }
            h = h4
            i += 4
        }
        while i < end {
            h = (h << 1) &+ g[Int(bytes[i])]
            i += 1
            if h & mask == 0 {
                hash = h
                return i
            }
        }
        hash = h
        return nil
    }

    /// Forgets the current chunk: the next byte scanned starts a new one.
    public mutating func reset() {
        position = 0
        hash = 0
    }
}
