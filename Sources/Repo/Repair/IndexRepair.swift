import Crypto

/// What `repair index` did.
public struct IndexRepairReport: Sendable {
    public var packsIndexed = 0
    public var blobsIndexed = 0
    /// Packs whose header could not be read: their blobs are not in the new index.
    public var damagedPacks: [String] = []
    public var indexObjectsWritten = 0
    public var indexObjectsRemoved = 0
}

/// Rebuilds the index from the packs alone: every pack's own header says which blobs it
/// holds and where. New index objects are written before the old ones are removed, so a
/// crash in between leaves an index that is merely redundant.
public struct IndexRepair {
    let repository: Repository

    public init(repository: Repository) { self.repository = repository }

    public func run(progress: ((Int, Int) -> Void)? = nil) throws -> IndexRepairReport {
        var report = IndexRepairReport()
        let backend = repository.backend
        let oldIndex = try backend.list(.index)
        let packs = try backend.list(.dataPack) + backend.list(.treePack)
        var batch = IndexBatch()
        for (number, info) in packs.enumerated() {
            progress?(number, packs.count)
            let pack: IndexedPack
            do {
                pack = try repository.blobs.indexRecord(of: info)
            } catch {
                report.damagedPacks.append("\(error)")
                continue
            }
            report.packsIndexed += 1
            report.blobsIndexed += pack.entries.count
            if let full = batch.add(pack) {
                try repository.saveIndex(full)
                report.indexObjectsWritten += 1
            }
        }
        let rest = batch.drain()
        if !rest.isEmpty {
            try repository.saveIndex(rest)
            report.indexObjectsWritten += 1
        }
        let written = Set(try backend.list(.index).map(\.name)).subtracting(oldIndex.map(\.name))
        for info in oldIndex where !written.contains(info.name) {
            try backend.delete(info.name)
            report.indexObjectsRemoved += 1
        }
        return report
    }
}
