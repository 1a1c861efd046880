import Crypto

/// Which indexed packs stay, which go whole and which are repacked, from the liveness of
/// their blobs. Packs are referred to by their number in the index.
struct PrunePlan {
    /// Bytes and blobs of one pack, as the index lists them, and how many of them are live.
    struct Usage {
        var indexedBytes = 0
        var indexedBlobs = 0
        var liveBytes = 0
        var liveBlobs = 0

        var unusedShare: Double { indexedBytes == 0 ? 1 : Double(indexedBytes - liveBytes) / Double(indexedBytes) }
    }

    private(set) var usage: [Usage]
    /// Stored packs with no live blob.
    private(set) var unused: Set<Int> = []
    /// Stored packs with live blobs but too much unused space.
    private(set) var repack: Set<Int> = []
    /// Indexed packs missing from storage that hold nothing live.
    private(set) var missing: Set<Int> = []

    /// Keeps `numbers` as they are rather than repack them (archived packs, which cannot be
    /// read until thawed).
    mutating func keep(_ numbers: Set<Int>) { repack.subtract(numbers) }

    /// Every pack that leaves the index.
    var leaving: Set<Int> { unused.union(repack).union(missing) }

    /// `newestGeneration`: the key generation new packs get, which `options.reseal` moves
    /// every pack in use to.
    init(index: BlobIndex, live: LivenessMap, storedSizes: [Digest256: Int], options: PruneOptions,
         newestGeneration: UInt32 = 0) throws {
        usage = Array(repeating: Usage(), count: index.packs.count)
        index.withSortedEntries { entries in
            for (position, entry) in entries.enumerated() {
                let length = index.storedBytes(of: entry)
                let pack = Int(entry.pack)
                usage[pack].indexedBytes += length
                usage[pack].indexedBlobs += 1
                if live.contains(position) {
                    usage[pack].liveBytes += length
                    usage[pack].liveBlobs += 1
                }
            }
        }
        // A copy of a blob the index locates in another pack is unused space in its own.
        for entry in index.duplicates {
            usage[Int(entry.pack)].indexedBytes += index.storedBytes(of: entry)
            usage[Int(entry.pack)].indexedBlobs += 1
        }
        var candidates: [Int] = []
        for (number, pack) in index.packs.enumerated() {
            let use = usage[number]
            guard storedSizes[pack.id] != nil else {
                if use.liveBlobs > 0 { throw PruneError.missingPack(pack.id.hex) }
                missing.insert(number)
                continue
            }
            if use.liveBlobs == 0 {
                unused.insert(number)
            } else if use.unusedShare > options.maxUnused || (options.reseal && pack.generation < newestGeneration) {
                candidates.append(number)
            }
        }
        // The emptiest packs first: each byte read then frees the most (the oldest key
        // generation first when resealing, so a limited run retires whole generations).
        let shares = usage.map(\.unusedShare)
        let order = { (number: Int) in (options.reseal ? index.packs[number].generation : 0, -shares[number]) }
        candidates.sort { order($0) < order($1) }
        var budget = options.maxRepackBytes ?? Int.max
        for number in candidates {
            let size = index.packs[number].size
            guard size <= budget else { continue }
            budget -= size
            repack.insert(number)
        }
    }
}
