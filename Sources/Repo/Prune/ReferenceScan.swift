import Crypto

/// Walks the trees of every snapshot and marks each blob they refer to in a liveness map
/// over the index. Each tree is read once however many snapshots share it: its own bit
/// says it was visited.
struct ReferenceScan {
    private let repository: Repository
    private let index: BlobIndex
    private(set) var live: LivenessMap
    /// Condemned packs holding blobs that some snapshot refers to (it raced a prune): they
    /// go back into the index.
    private(set) var referencedCondemnedPacks: Set<Digest256> = []
    private var visitedCondemned: Set<Digest256> = []
    private(set) var missingCount = 0
    private(set) var firstMissing: (snapshot: String, blob: Digest256)?

    /// `index` must be compacted: every blob has a position.
    init(repository: Repository, index: BlobIndex) {
        self.repository = repository
        self.index = index
        live = LivenessMap(count: index.count)
    }

    mutating func scan(_ snapshots: [StoredSnapshot], progress: ((Int, Int) -> Void)? = nil) throws {
        for (number, stored) in snapshots.enumerated() {
            progress?(number, snapshots.count)
            var pending = [stored.snapshot.tree]
            while let tree = pending.popLast() {
                guard mark(tree, snapshot: stored.id) else { continue }
                for node in try repository.loadTree(tree).nodes {
                    for case .blob(let blob) in node.content { _ = mark(blob, snapshot: stored.id) }
                    if let subtree = node.subtree { pending.append(subtree) }
                }
            }
        }
    }

    /// Marks the blobs of WAL records (docs/format.md, "Version 4: WAL records"): roots as
    /// snapshots are.
    mutating func scan(_ records: [WALRecord]) {
        for record in records {
            for blob in record.blobs { _ = mark(blob, snapshot: "WAL file \(record.name)") }
        }
    }

    /// Marks a blob; true the first time (so a tree is walked once).
    private mutating func mark(_ blob: Digest256, snapshot: String) -> Bool {
        if let position = index.position(of: blob) { return live.insert(position) }
        if let location = repository.location(of: blob) {
            referencedCondemnedPacks.insert(location.pack)
            return visitedCondemned.insert(blob).inserted
        }
        missingCount += 1
        if firstMissing == nil { firstMissing = (snapshot, blob) }
        return false
    }
}
