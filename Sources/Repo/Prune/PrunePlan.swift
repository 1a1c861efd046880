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

    /// Every pack that leaves the index.
    var leaving: Set<Int> { unused.union(repack).union(missing) }

    init(index: BlobIndex, live: LivenessMap, storedSizes: [Digest256: Int], options: PruneOptions) throws {
        usage = Array(repeating: Usage(), count: index.packs.count)
        index.withSortedEntries { entries in
            for (position, entry) in entries.enumerated() {
                let length = Int(entry.length)
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
            usage[Int(entry.pack)].indexedBytes += Int(entry.length)
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
            } else if use.unusedShare > options.maxUnused {
                candidates.append(number)
            }
        }
        // The emptiest packs first: each byte read then frees the most.
        candidates.sort { usage[$0].unusedShare > usage[$1].unusedShare }
        var budget = options.maxRepackBytes ?? Int.max
        for number in candidates {
            let size = index.packs[number].size
            guard size <= budget else { continue }
            budget -= size
            repack.insert(number)
        }
    }
}
