import Crypto
import Storage

/// Writes condemned lists in objects of at most 64 packs, like index objects, so that no
/// prune has to hold one large list.
struct CondemnedWriter {
    private let repository: Repository
    private let time: Int64
    /// The encoded packs of the list being built, and how many.
    private var body = BinaryWriter(capacity: 1 << 16)
    private var count = 0
    /// The version the list being built needs: higher once a pack names a key generation
    /// or holds segments (`IndexObject.version`).
    private var version = IndexObject.version
    private(set) var written: [ObjectName] = []

    init(repository: Repository, time: Int64) {
        self.repository = repository
        self.time = time
    }

    /// Condemns a pack as of this writer's time, given its record from an index object.
    mutating func add(record: ArraySlice<UInt8>) throws {
        body.append(int64: time)
        body.append(raw: record)
        version = max(version, IndexObject.version(records: [record]))
        try counted()
    }

    /// Condemns a pack as of this writer's time.
    mutating func add(_ pack: IndexedPack) throws { try add(CondemnedPack(pack: pack, condemnedAt: time)) }

    /// Carries over a pack condemned earlier, with its original time.
    mutating func add(_ condemned: CondemnedPack) throws {
        body.append(int64: condemned.condemnedAt)
        IndexObject.append(condemned.pack, to: &body)
        version = max(version, IndexObject.version(of: [condemned.pack]))
        try counted()
    }

    /// Lists end at 64 packs or 4 MB, like index objects.
    private mutating func counted() throws {
        count += 1
        if count >= 64 || body.bytes.count >= 4 << 20 { try flush() }
    }

    mutating func flush() throws {
        guard count > 0 else { return }
        let sealed = try repository.metadata.seal(CondemnedList.encode(count: count, body: body.bytes, version: version), kind: .condemned)
        let name = ObjectName(.condemned, SHA256.hash(sealed).hex)
        try repository.backend.write(name, sealed)
        written.append(name)
        body = BinaryWriter(capacity: 1 << 16)
        count = 0
        version = IndexObject.version
    }
}
