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
        let reader = PackReader(keys: repository.keys)
        var batch: [IndexedPack] = []
        for (number, info) in packs.enumerated() {
            progress?(number, packs.count)
            let label = "pack \(info.name.id)"
            do {
                let salt = try reader.preamble(try backend.read(info.name, range: 0..<PackLayout.preambleByteCount), name: label)
                var tail = try backend.read(info.name, range: max(0, info.size - 65536)..<info.size)
                let needed = PackReader.headerLength(trailer: tail[...]) + PackLayout.trailerByteCount
                if needed > tail.count && needed <= info.size {
                    tail = try backend.read(info.name, range: info.size - needed..<info.size)
                }
                let entries = try reader.header(salt: salt, tail: tail[...], packSize: info.size, name: label)
                guard let id = Digest256(hex: info.name.id), let type = entries.first?.type ?? kind(info.name.kind),
                      entries.allSatisfy({ $0.type == type }), type.packKind == info.name.kind else {
                    report.damagedPacks.append("\(label): blob types do not match where the pack is stored")
                    continue
                }
                batch.append(IndexedPack(id: id, type: type, salt: salt, size: info.size, entries: entries))
                report.packsIndexed += 1
                report.blobsIndexed += entries.count
            } catch {
                report.damagedPacks.append("\(error)")
            }
            if batch.count == 64 {
                try repository.saveIndex(batch)
                report.indexObjectsWritten += 1
                batch.removeAll()
            }
        }
        if !batch.isEmpty {
            try repository.saveIndex(batch)
            report.indexObjectsWritten += 1
        }
        let written = Set(try backend.list(.index).map(\.name)).subtracting(oldIndex.map(\.name))
        for info in oldIndex where !written.contains(info.name) {
            try backend.delete(info.name)
            report.indexObjectsRemoved += 1
        }
        return report
    }

    private func kind(_ kind: ObjectKind) -> BlobType? { kind == .dataPack ? .data : kind == .treePack ? .tree : nil }
}
