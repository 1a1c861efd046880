import Crypto

/// Sizes of a set of snapshots and of the repository behind them.
public struct RepositoryStats: Sendable {
    public var snapshots = 0
    public var files = 0
    /// Sum of file sizes over every snapshot: what restoring all of them would write.
    public var logicalBytes: UInt64 = 0
    /// Distinct data blobs the snapshots reference, their plaintext and their stored size.
    public var uniqueBlobs = 0
    public var uniqueBytes: UInt64 = 0
    public var storedBytes: UInt64 = 0
    /// Everything in the repository's packs, referenced or not.
    public var packBytes: UInt64 = 0
    public var packs = 0

    /// Logical over unique: how much deduplication saves.
    public var deduplicationRatio: Double { uniqueBytes == 0 ? 1 : Double(logicalBytes) / Double(uniqueBytes) }
    /// Unique plaintext over stored: how much compression saves.
    public var compressionRatio: Double { storedBytes == 0 ? 1 : Double(uniqueBytes) / Double(storedBytes) }
}

extension Repository {
    public func stats(of snapshots: [StoredSnapshot]) throws -> RepositoryStats {
        var stats = RepositoryStats()
        stats.snapshots = snapshots.count
        var seenTrees = Set<Digest256>()
        var seenBlobs = Set<Digest256>()
        var fileCounts: [Digest256: (files: Int, bytes: UInt64)] = [:]

        /// Files and bytes under `tree`, each tree counted once (`fileCounts`). A loop over a
        /// stack of open trees, not recursion: a snapshot may be deeper than a thread's stack.
        func visit(_ tree: Digest256) throws -> (files: Int, bytes: UInt64) {
            if let known = fileCounts[tree] { return known }
            struct Frame {
                let id: Digest256
                var cursor: TreeCursor
                var total = (files: 0, bytes: UInt64(0))
            }
            func open(_ id: Digest256) throws -> Frame {
                seenTrees.insert(id)
                return Frame(id: id, cursor: TreeCursor(try loadTree(id)))
            }
            var stack = [try open(tree)]
            while true {
                let top = stack.count - 1
                guard let node = stack[top].cursor.next() else {
                    let done = stack.removeLast()
                    fileCounts[done.id] = done.total
                    guard !stack.isEmpty else { return done.total }
                    stack[top - 1].total.files += done.total.files
                    stack[top - 1].total.bytes += done.total.bytes
                    continue
                }
                switch node.type {
                case .directory:
                    if let subtree = node.subtree {
                        if let known = fileCounts[subtree] {
                            stack[top].total.files += known.files
                            stack[top].total.bytes += known.bytes
                        } else {
                            stack.append(try open(subtree))
                        }
                    }
                case .file:
                    stack[top].total.files += 1
                    stack[top].total.bytes += node.size
                    for case .blob(let id) in node.content where seenBlobs.insert(id).inserted {
                        if let location = location(of: id) { account(id, location) }
                    }
                default:
                    break
                }
            }
        }

        func account(_ id: Digest256, _ location: BlobLocation) {
            stats.uniqueBlobs += 1
            stats.uniqueBytes += UInt64(location.plaintextLength)
            stats.storedBytes += UInt64(location.storedBytes)
        }

        for stored in snapshots {
            let totals = try visit(stored.snapshot.tree)
            stats.files += totals.files
            stats.logicalBytes += totals.bytes
        }
        withIndex { index in
            stats.packs = index.packs.count
            stats.packBytes = index.packs.reduce(0) { $0 + UInt64($1.size) }
        }
        return stats
    }
}
