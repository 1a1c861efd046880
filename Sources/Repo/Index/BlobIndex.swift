import Crypto

/// Where a blob is stored.
public struct BlobLocation: Sendable, Equatable {
    public let pack: Digest256
    public let type: BlobType
    public let offset: Int
    public let length: Int
    public let plaintextLength: Int
}

/// The in-memory index: blob id to pack, offset and lengths.
///
/// Entries are 48 bytes (a 32-byte id and four 32-bit fields), kept in one array sorted by
/// id. Ids are keyed hashes, uniformly distributed, so a lookup interpolates its first
/// guess from the id's leading bits and needs a handful of probes even at tens of millions
/// of blobs; there is no hash table and no per-entry allocation. Blobs added while a
/// backup runs go to a small dictionary, merged into the array by `compact()`.
///
/// Not thread-safe: `Repository` guards it.
struct BlobIndex {
    struct Entry {
        var id: Digest256
        var pack: UInt32
        var offset: UInt32
        var length: UInt32
        var plaintextLength: UInt32
    }

    struct Pack {
        var id: Digest256
        var type: BlobType
        var salt: [UInt8]
        var size: Int
    }

    private(set) var packs: [Pack] = []
    private var packNumbers: [Digest256: UInt32] = [:]
    private var sorted: [Entry] = []
    private var recent: [Digest256: Entry] = [:]

    var count: Int { sorted.count + recent.count }

    /// Records a pack and its blobs. A blob already known keeps its first location: any
    /// copy is correct.
    mutating func add(_ pack: IndexedPack) {
        let number: UInt32
        if let known = packNumbers[pack.id] {
            number = known
        } else {
            number = UInt32(packs.count)
            packs.append(Pack(id: pack.id, type: pack.type, salt: pack.salt, size: pack.size))
            packNumbers[pack.id] = number
        }
        for entry in pack.entries where lookup(entry.id) == nil {
            recent[entry.id] = Entry(id: entry.id, pack: number, offset: UInt32(entry.offset), length: UInt32(entry.length),
                                     plaintextLength: UInt32(entry.plaintextLength))
        }
        if recent.count > 4096 && recent.count > sorted.count / 8 { compact() }
    }

    func contains(_ id: Digest256) -> Bool { lookup(id) != nil }

    func location(of id: Digest256) -> BlobLocation? {
        guard let entry = lookup(id) else { return nil }
        let pack = packs[Int(entry.pack)]
        return BlobLocation(pack: pack.id, type: pack.type, offset: Int(entry.offset), length: Int(entry.length),
                            plaintextLength: Int(entry.plaintextLength))
    }

    func pack(_ id: Digest256) -> Pack? { packNumbers[id].map { packs[Int($0)] } }

    func packNumber(of id: Digest256) -> Int? { packNumbers[id].map(Int.init) }

    /// The sorted entries (all of them once `compact()` has run), by position.
    func withSortedEntries<R>(_ body: (UnsafeBufferPointer<Entry>) throws -> R) rethrows -> R {
        try sorted.withUnsafeBufferPointer(body)
    }

    /// Every blob with its location, in id order.
    func forEach(_ body: (Digest256, BlobLocation) throws -> Void) rethrows {
        var all = sorted
        if !recent.isEmpty {
            all.append(contentsOf: recent.values)
            all.sort { $0.id < $1.id }
        }
        for entry in all {
            let pack = packs[Int(entry.pack)]
            try body(entry.id, BlobLocation(pack: pack.id, type: pack.type, offset: Int(entry.offset),
                                            length: Int(entry.length), plaintextLength: Int(entry.plaintextLength)))
        }
    }

    /// Merges recent additions into the sorted array.
    mutating func compact() {
        guard !recent.isEmpty else { return }
        let fresh = recent.values.sorted { $0.id < $1.id }
        recent.removeAll()
        var merged = [Entry]()
        merged.reserveCapacity(sorted.count + fresh.count)
        var i = 0, j = 0
        while i < sorted.count || j < fresh.count {
            if j == fresh.count || (i < sorted.count && sorted[i].id < fresh[j].id) {
                merged.append(sorted[i]); i += 1
            } else {
                merged.append(fresh[j]); j += 1
            }
        }
        sorted = merged
    }

    private func lookup(_ id: Digest256) -> Entry? {
        if let entry = recent[id] { return entry }
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
