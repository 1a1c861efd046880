import Crypto

/// Where a blob is stored.
public struct BlobLocation: Sendable, Equatable {
    public let pack: Digest256
    public let type: BlobType
    public let offset: Int
    public let length: Int
    public let plaintextLength: Int
    /// Set for a member of a segment: `offset` and `length` are then the segment's.
    public var segment: SegmentPlace? = nil

    /// The bytes of the pack the blob takes: its sealed length, or its share of its
    /// segment's by plaintext length.
    public var storedBytes: Int {
        guard let segment else { return length }
        return length * plaintextLength / max(1, segment.length)
    }

    /// The blob's entry, as a pack header lists it.
    func entry(id: Digest256) -> PackEntry {
        PackEntry(type: type, id: id, offset: offset, length: length, plaintextLength: plaintextLength, segment: segment)
    }
}

/// The in-memory index: blob id to pack, offset and lengths.
///
/// Entries are 48 bytes (a 32-byte id and four 32-bit fields), kept in one array sorted by
/// id (an `EntryArray`: it grows in place, never needing twice its size). Ids are keyed hashes, uniformly distributed, so a lookup interpolates its first
/// guess from the id's leading bits and needs a handful of probes even at tens of millions
/// of blobs; there is no hash table and no per-entry allocation. Blobs added while a
/// backup runs go to a small dictionary, merged into the array by `compact()`.
///
/// Not thread-safe: `Repository` guards it.
struct BlobIndex {
    struct Entry {
        var id: Digest256
        var pack: UInt32
        /// A blob alone: its offset and sealed length in the pack. A member of a segment:
        /// its start in the segment's plaintext, and `Entry.member` with the segment's
        /// number in `segments` (which holds the segment's offset and length), so that
        /// members cost no more memory than blobs alone.
        var offset: UInt32
        var length: UInt32
        var plaintextLength: UInt32

        static let member: UInt32 = 1 << 31
        var isMember: Bool { length & Entry.member != 0 }

        init(id: Digest256, pack: UInt32, offset: UInt32, length: UInt32, plaintextLength: UInt32) {
            (self.id, self.pack, self.offset, self.length, self.plaintextLength) = (id, pack, offset, length, plaintextLength)
        }

        init(id: Digest256, _ place: Place) {
            self.init(id: id, pack: place.pack, offset: place.offset, length: place.length, plaintextLength: place.plaintextLength)
        }

        var place: Place { Place(pack: pack, offset: offset, length: length, plaintextLength: plaintextLength) }
    }

    /// An entry without its id: what `recent` keeps under the id, so that the id is not
    /// stored twice (a third of the table's memory).
    struct Place {
        var pack: UInt32
        var offset: UInt32
        var length: UInt32
        var plaintextLength: UInt32
    }

    /// A segment: where it lies in its pack, its plaintext length and its digest, shared by
    /// its members' entries.
    struct Segment {
        var digest: Digest256
        var offset: UInt32
        var length: UInt32
        var plaintextLength: UInt32
    }

    struct Pack {
        var id: Digest256
        var type: BlobType
        var salt: [UInt8]
        /// The key generation the pack is sealed under (0: the master secret).
        var generation: UInt32 = 0
        var size: Int
    }

    private(set) var packs: [Pack] = []
    private var packNumbers: [Digest256: UInt32] = [:]
    private var sorted = EntryArray<Entry>()
    /// Blobs added since the last `compact()`. A hash table costs about 100-200 bytes an
    /// entry against the sorted array's 48, so it is merged often: at a sixteenth of the
    /// array (at a million blobs, about 62,500 entries and 6 MiB, against 20 MiB at an
    /// eighth with the id kept twice), which moves each entry about 16 times in all.
    private var recent: [Digest256: Place] = [:]
    private static let compactionShare = 16
    private var segments: [Segment] = []
    /// Entries `finishLoading` dropped because another pack holds the same blob (left by an
    /// interrupted prune, or by two snapshots that stored it at once): prune counts these
    /// copies as unused space in their packs.
    private(set) var duplicates: [Entry] = []

    var count: Int { sorted.count + recent.count }

    /// Records a pack and its blobs. A blob already known keeps its first location: any
    /// copy is correct.
    mutating func add(_ pack: IndexedPack) {
        let number = register(id: pack.id, type: pack.type, salt: pack.salt, generation: pack.generation, size: pack.size)
        for entry in pack.entries where lookup(entry.id) == nil {
            recent[entry.id] = makeEntry(id: entry.id, pack: number, offset: entry.offset, length: entry.length,
                                         plaintextLength: entry.plaintextLength, segment: entry.segment).place
        }
        if recent.count > 4096 && recent.count > sorted.count / Self.compactionShare { compact() }
    }

    /// The number of a pack, recording it first if it is new.
    mutating func register(id: Digest256, type: BlobType, salt: [UInt8], generation: UInt32, size: Int) -> UInt32 {
        if let known = packNumbers[id] { return known }
        let number = UInt32(packs.count)
        packs.append(Pack(id: id, type: type, salt: salt, generation: generation, size: size))
        packNumbers[id] = number
        return number
    }

    // MARK: Loading in bulk

    /// Loading a whole index appends every entry unsorted (`reserve` first, from the size of
    /// the index objects, so the array is allocated once), then sorts once: no dictionary and
    /// no merge copies, so the peak is the final array.
    mutating func reserve(_ count: Int) { sorted.reserveCapacity(count) }

    mutating func appendUnsorted(id: Digest256, pack: UInt32, offset: Int, length: Int, plaintextLength: Int, segment: SegmentPlace?) {
        sorted.append(makeEntry(id: id, pack: pack, offset: offset, length: length, plaintextLength: plaintextLength, segment: segment))
    }

    /// An entry, its segment recorded once for all its members (which come one after the other).
    private mutating func makeEntry(id: Digest256, pack: UInt32, offset: Int, length: Int, plaintextLength: Int,
                                    segment: SegmentPlace?) -> Entry {
        guard let segment else {
            return Entry(id: id, pack: pack, offset: UInt32(offset), length: UInt32(length), plaintextLength: UInt32(plaintextLength))
        }
        if segments.last.map({ $0.digest != segment.digest || $0.offset != UInt32(offset) || $0.length != UInt32(length) }) ?? true {
            segments.append(Segment(digest: segment.digest, offset: UInt32(offset), length: UInt32(length),
                                    plaintextLength: UInt32(segment.length)))
        }
        return Entry(id: id, pack: pack, offset: UInt32(segment.start), length: Entry.member | UInt32(segments.count - 1),
                     plaintextLength: UInt32(plaintextLength))
    }

    /// The bytes of its pack an entry's blob takes: its sealed length, or for a member of a
    /// segment its share of the segment by plaintext length (prune's accounting of how much
    /// of a pack is in use).
    func storedBytes(of entry: Entry) -> Int { location(of: entry).storedBytes }

    /// An entry as a pack header lists it.
    func packEntry(_ entry: Entry) -> PackEntry { location(of: entry).entry(id: entry.id) }

    /// Where an entry's blob is.
    private func location(of entry: Entry) -> BlobLocation {
        let pack = packs[Int(entry.pack)]
        guard entry.isMember else {
            return BlobLocation(pack: pack.id, type: pack.type, offset: Int(entry.offset), length: Int(entry.length),
                                plaintextLength: Int(entry.plaintextLength))
        }
        let segment = segments[Int(entry.length & ~Entry.member)]
        var location = BlobLocation(pack: pack.id, type: pack.type, offset: Int(segment.offset), length: Int(segment.length),
                                    plaintextLength: Int(entry.plaintextLength))
        location.segment = SegmentPlace(start: Int(entry.offset), length: Int(segment.plaintextLength), digest: segment.digest)
        return location
    }

    /// Sorts what `appendUnsorted` added and keeps one entry per blob.
    mutating func finishLoading() {
        sorted.withUnsafeMutableBufferPointer { Self.sortInPlace($0) }
        var kept = 0
        duplicates = []
        for index in sorted.indices {
            let entry = sorted[index]
            if kept > 0 && entry.id == sorted[kept - 1].id {
                // One pack listed by two index objects is no second copy.
                if entry.pack != sorted[kept - 1].pack && !(duplicates.last.map { $0.id == entry.id && $0.pack == entry.pack } ?? false) {
                    duplicates.append(entry)
                }
                continue
            }
            sorted[kept] = entry
            kept += 1
        }
        sorted.removeLast(sorted.count - kept)
    }

    /// Quicksort by id, in place: the standard library's sort is stable and allocates half
    /// the array again, which at millions of blobs is tens of MB for nothing. Ids are keyed
    /// hashes, so no input can be chosen to make the pivots bad.
    private static func sortInPlace(_ entries: UnsafeMutableBufferPointer<Entry>) {
        var low = 0, high = entries.count - 1
        while high - low > 16 {
            let pivot = entries[low + (high - low) / 2].id
            var i = low, j = high
            while i <= j {
                while entries[i].id < pivot { i += 1 }
                while pivot < entries[j].id { j -= 1 }
                if i <= j {
                    entries.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            // Recurse into the smaller side, loop on the larger: the stack stays logarithmic.
            if j - low < high - i {
                sortInPlace(UnsafeMutableBufferPointer(rebasing: entries[low...j]))
                low = i
            } else {
                sortInPlace(UnsafeMutableBufferPointer(rebasing: entries[i...high]))
                high = j
            }
        }
        guard low < high else { return }
        for k in (low + 1)...high {
            let entry = entries[k]
            var m = k
            while m > low && entry.id < entries[m - 1].id {
                entries[m] = entries[m - 1]
                m -= 1
            }
            entries[m] = entry
        }
    }

    func contains(_ id: Digest256) -> Bool { lookup(id) != nil }

    func location(of id: Digest256) -> BlobLocation? {
        lookup(id).map(location(of:))
    }

    func pack(_ id: Digest256) -> Pack? { packNumbers[id].map { packs[Int($0)] } }

    func packNumber(of id: Digest256) -> Int? { packNumbers[id].map(Int.init) }

    /// The sorted entries (all of them once `compact()` has run), by position.
    func withSortedEntries<R>(_ body: (UnsafeBufferPointer<Entry>) throws -> R) rethrows -> R {
        try sorted.withUnsafeBufferPointer(body)
    }

    /// Every blob with its location, in id order.
    func forEach(_ body: (Digest256, BlobLocation) throws -> Void) rethrows {
        var all = Array(sorted)
        if !recent.isEmpty {
            all.append(contentsOf: recentEntries)
            all.sort { $0.id < $1.id }
        }
        for entry in all { try body(entry.id, location(of: entry)) }
    }

    /// Every entry the index holds for the packs `ids` (also copies `finishLoading` set
    /// aside), by pack, and which of their blobs a pack outside `ids` holds too.
    func entries(ofPacks ids: Set<Digest256>) -> (byPack: [Digest256: [PackEntry]], heldElsewhere: Set<Digest256>) {
        let numbers = Set(ids.compactMap { packNumbers[$0] })
        var byPack: [Digest256: [PackEntry]] = [:]
        func each(_ body: (Entry) -> Void) {
            sorted.forEach(body)
            recentEntries.forEach(body)
            duplicates.forEach(body)
        }
        each { entry in
            guard numbers.contains(entry.pack) else { return }
            byPack[packs[Int(entry.pack)].id, default: []].append(location(of: entry).entry(id: entry.id))
        }
        let wanted = Set(byPack.values.joined().map(\.id))
        var heldElsewhere = Set<Digest256>()
        each { entry in
            if !numbers.contains(entry.pack) && wanted.contains(entry.id) { heldElsewhere.insert(entry.id) }
        }
        return (byPack, heldElsewhere)
    }

    /// Drops every blob of the packs `isGone` picks (the packs stay recorded); returns
    /// those packs. A copy of a dropped blob in another pack (one `finishLoading` set
    /// aside) takes its place; a blob with none is unknown, and `add` records it again at
    /// a new location.
    mutating func removeBlobs(ofPacks isGone: (Digest256) -> Bool) -> Set<Digest256> {
        let numbers = Set(packs.indices.filter { isGone(packs[$0].id) }.map(UInt32.init))
        guard !numbers.isEmpty else { return [] }
        compact()
        sorted.removeAll { numbers.contains($0.pack) }
        var kept: [Entry] = []
        for entry in duplicates where !numbers.contains(entry.pack) {
            if lookup(entry.id) == nil { recent[entry.id] = entry.place } else { kept.append(entry) }
        }
        duplicates = kept
        return Set(numbers.map { packs[Int($0)].id })
    }

    /// Merges recent additions into the sorted array: sorted on their own, then merged from
    /// the back into the array grown in place, so that the merge needs room for the new
    /// entries only (a merge into a new array needed the whole index twice: the peak of a
    /// first snapshot of a million small files).
    mutating func compact() {
        guard !recent.isEmpty else { return }
        var fresh = recentEntries
        recent.removeAll()
        fresh.withUnsafeMutableBufferPointer { Self.sortInPlace($0) }
        let old = sorted.count
        sorted.withGrowingBuffer(extra: fresh.count) { all in
            fresh.withUnsafeBufferPointer { fresh in
                // Ids are unique (`add` skips known ones); each step fills the last free slot
                // from whichever side holds the larger id, never overwriting an unread one.
                var i = old - 1, j = fresh.count - 1
                while j >= 0 {
                    if i >= 0 && fresh[j].id < all[i].id {
                        all[i + j + 1] = all[i]
                        i -= 1
                    } else {
                        all[i + j + 1] = fresh[j]
                        j -= 1
                    }
                }
            }
            return old + fresh.count
        }
    }

    /// `recent` as entries, unsorted.
    private var recentEntries: [Entry] { recent.map { Entry(id: $0.key, $0.value) } }

    private func lookup(_ id: Digest256) -> Entry? {
        if let place = recent[id] { return Entry(id: id, place) }
        return position(of: id).map { sorted[$0] }
    }

    // MARK: Positions (prune)

    /// Where `id` sits in the sorted array. Positions are stable until the next `add`, so
    /// prune keeps one bit per blob by position; it calls `compact()` first, since blobs
    /// still in `recent` have no position.
    func position(of id: Digest256) -> Int? {
        sorted.withUnsafeBufferPointer { entries -> Int? in
            guard !entries.isEmpty else { return nil }
            // Interpolation on the first 64 bits, then binary search in a shrinking window.
            let key = id.prefix64
            var low = 0, high = entries.count - 1
            while low <= high {
                let lowKey = entries[low].id.prefix64, highKey = entries[high].id.prefix64
                var probe: Int
                if key <= lowKey {
                    probe = low
                } else if key >= highKey {
                    probe = high
                } else {
                    let fraction = Double(key - lowKey) / Double(highKey - lowKey)
                    probe = low + Int(fraction * Double(high - low))
                }
                probe = min(max(probe, low), high)
                let candidate = entries[probe].id
                if candidate == id { return probe }
                if candidate < id { low = probe + 1 } else { high = probe - 1 }
            }
            return nil
        }
    }
}

extension Digest256 {
    /// The first eight bytes, big-endian: orders like the bytes do.
    var prefix64: UInt64 {
        withUnsafeBytes { raw in
            var value: UInt64 = 0
            for i in 0..<8 { value = value << 8 | UInt64(raw[i]) }
            return value
        }
    }
}

extension BlobIndex: IndexObjectLoading {}
