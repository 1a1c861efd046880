import Crypto

/// Writes condemned lists in objects of at most 64 packs, like index objects, so that no
/// prune has to hold or rewrite one large list.
struct CondemnedWriter {
    private let repository: Repository
    private let time: Int64
    private var batch: [CondemnedPack] = []
    private(set) var written: [ObjectName] = []

    init(repository: Repository, time: Int64) {
        self.repository = repository
        self.time = time
    }

    /// Condemns `pack` as of this writer's time.
    mutating func add(_ pack: IndexedPack) throws { try add(CondemnedPack(pack: pack, condemnedAt: time)) }

    /// Carries over a pack condemned earlier, with its original time.
    mutating func add(_ condemned: CondemnedPack) throws {
        batch.append(condemned)
        if batch.count >= 64 { try flush() }
    }

    mutating func flush() throws {
        guard !batch.isEmpty else { return }
        let sealed = try MetadataObject.seal(CondemnedList.encode(batch), kind: .condemned, keys: repository.keys)
        let name = ObjectName(.condemned, SHA256.hash(sealed).hex)
        try repository.backend.write(name, sealed)
        written.append(name)
        batch.removeAll()
    }
}
