import Crypto
import Foundation
import Storage
import Workers

/// An open repository: its backend, parameters and index, its blob layer (which alone
/// holds the blob keys) and the sealer of its other objects.
///
/// Thread-safe: the index is guarded by a lock, everything else is immutable.
public final class Repository: @unchecked Sendable {
    public let backend: any Backend
    public let id: String
    public let parameters: RepositoryParameters
    /// Every read and write of data and tree blobs goes through here.
    let blobs: BlobStore
    /// Index, snapshot, lock, condemned, policy and job record objects, and key files.
    let metadata: MetadataSealer
    let cache: LocalCache?
    private let index = SharedIndex()
    /// The key file the password opened.
    public internal(set) var currentKey: ObjectName?

    private init(backend: any Backend, id: String, parameters: RepositoryParameters, keys: RepositoryKeys, cache: LocalCache?) {
        self.backend = backend
        self.id = id
        self.parameters = parameters
        blobs = BlobStore(backend: backend, keys: keys, index: index)
        metadata = MetadataSealer(keys: keys)
        self.cache = cache
    }

    /// Creates a repository in an empty backend and its first key.
    public static func initialize(backend: any Backend, password: [UInt8], parameters: RepositoryParameters = .init(),
                                  scrypt: Scrypt.Parameters = .interactive) throws -> Repository {
        try parameters.validate()
        let keys = RepositoryKeys.generate()
        let id = SecureRandom.bytes(count: 32).map { String(format: "%02x", $0) }.joined()
        let keyFile = try KeyFile.wrap(keys, password: password, parameters: scrypt, host: Host.name, user: Host.user)
        let keyBytes = try keyFile.encoded()
        let keyName = ObjectName(.keys, SHA256.hash(keyBytes).hex)
        try backend.write(keyName, keyBytes)
        // The config is written last: a repository is one once its config exists.
        try backend.write(.config, try RepositoryConfig.make(id: id, parameters: parameters, sealer: MetadataSealer(keys: keys)).encoded())
        let repository = Repository(backend: backend, id: id, parameters: parameters, keys: keys, cache: nil)
        repository.currentKey = keyName
        return repository
    }

    /// Reads the config (checking its version before anything else), finds a key that
    /// `password` opens, and loads the index (through the local cache when there is one).
    /// `loadIndex: false` is for `repair index`, which must open a repository whose index
    /// objects may be damaged.
    public static func open(backend: any Backend, password: [UInt8], cacheDirectory: String?,
                            loadIndex: Bool = true) throws -> Repository {
        let config = try decodeConfig(try backend.read(.config), backend: backend)
        let (keys, keyName, parameters) = try unlock(backend: backend, config: config, password: password)
        // A repository never rotated has no generations to list: not one request more.
        if config.version >= RepositoryConfig.generationsVersion {
            keys.setKeyring(try PackKeyring.load(from: backend, sealer: MetadataSealer(keys: keys)))
        }
        let cache = cacheDirectory.flatMap { try? LocalCache(directory: $0, repositoryID: config.id) }
        let repository = Repository(backend: backend, id: config.id, parameters: parameters, keys: keys, cache: cache)
        repository.currentKey = keyName
        if loadIndex { try repository.loadIndex() }
        return repository
    }

    /// Reads the config envelope and refuses a repository of a newer format, before any
    /// password is asked for.
    public static func checkFormatVersion(backend: any Backend) throws {
        let bytes: [UInt8]
        do {
            bytes = try backend.read(.config)
        } catch BackendError.notFound {
            throw BackendError.repositoryNotFound(location: backend.location)
        }
        _ = try decodeConfig(bytes, backend: backend)
    }

    /// The config, or — when it is not ours and the directory is another program's
    /// repository — `BackendError.foreignRepository` instead of damage.
    static func decodeConfig(_ bytes: [UInt8], backend: any Backend) throws -> RepositoryConfig {
        do {
            return try RepositoryConfig.decode(bytes)
        } catch FormatError.corrupt(let object, let why) {
            if let local = backend as? LocalBackend, let kind = local.foreignRepositoryKind() {
                throw BackendError.foreignRepository(location: local.location, kind: kind)
            }
            throw FormatError.corrupt(object, why)
        }
    }

    /// The keys, the name of the key file that `password` opens and the parameters they
    /// open. A key file that opens with the password but not this repository's config (a
    /// key of another repository), one that is damaged and one of a newer version are
    /// skipped, so that another key can open the repository (`repo check` reports them);
    /// when none does, the first such failure is thrown (a config no key opens is damaged).
    static func unlock(backend: any Backend, config: RepositoryConfig,
                       password: [UInt8]) throws -> (RepositoryKeys, ObjectName, RepositoryParameters) {
        let keyObjects = try backend.list(.keys)
        guard !keyObjects.isEmpty else { throw FormatError.noKeys }
        var configFailure: Error?
        var keyFailure: Error?
        for info in keyObjects {
            let name = "key \(info.name.id.prefix(8))"
            let opened: RepositoryKeys?
            do {
                opened = try KeyFile.decode(try backend.read(info.name), name: name).unwrap(password: password, name: name)
            } catch let error as FormatError {
                keyFailure = keyFailure ?? error
                continue
            }
            guard let keys = opened else { continue }
            do {
                return (keys, info.name, try config.parameters(sealer: MetadataSealer(keys: keys)))
            } catch let error as FormatError {
                configFailure = configFailure ?? error
            }
        }
        throw configFailure ?? keyFailure ?? FormatError.wrongPassword
    }

    // MARK: Index

    /// Reads every index object (decrypted copies come from the cache when it has them)
    /// and rebuilds the in-memory index.
    public func loadIndex() throws {
        // The old index goes first: holding two while the new one is built would double the
        // peak memory of a prune (which reloads under its lock) for nothing.
        self.index.replace(live: BlobIndex(), condemned: BlobIndex())
        var index = BlobIndex()
        let objects = try backend.list(.index)
        let cached = cache?.ids("index") ?? []
        let present = Set(objects.map(\.name.id))
        cache?.remove("index", Array(cached.subtracting(present)))
        // Every entry takes at least 35 bytes in an index object: an upper bound, so the
        // array is allocated once.
        index.reserve(objects.reduce(0) { $0 + $1.size } / 35)
        for object in objects {
            try IndexObject.load(try indexPlaintext(object.name, cached: cached.contains(object.name.id), storedSize: object.size),
                                 name: "index \(object.name.id.prefix(8))", into: &index)
        }
        index.finishLoading()
        var condemned = BlobIndex()
        for (_, packs) in try condemnedLists() {
            for entry in packs where index.pack(entry.pack.id) == nil { condemned.add(entry.pack) }
        }
        condemned.compact()
        self.index.replace(live: index, condemned: condemned)
    }

    /// The packs one index object lists, from the cache when `cached`, else from the backend
    /// (and then cached).
    func indexObject(_ object: ObjectName, cached: Bool = true) throws -> [IndexedPack] {
        try IndexObject.decode(try indexPlaintext(object, cached: cached), name: "index \(object.id.prefix(8))")
    }

    /// The decrypted bytes of an index object. A cached copy is used only if it fits the
    /// stored object's size (`storedSize`, when the caller listed it); one read from the
    /// backend is verified against its name.
    func indexPlaintext(_ object: ObjectName, cached: Bool = true, storedSize: Int? = nil) throws -> [UInt8] {
        if cached, let bytes = cache?.get("index", object.id), storedSize.map({ bytes.count + AES256GCM.overhead == $0 }) ?? true {
            return bytes
        }
        let plaintext = try metadata.open(try readVerified(object), kind: .index, name: "index \(object.id.prefix(8))")
        cache?.put("index", object.id, plaintext)
        return plaintext
    }

    /// Writes an index object made of pack records copied from other index objects (prune);
    /// the in-memory index is left as it is.
    func saveIndex(records: [ArraySlice<UInt8>]) throws {
        guard !records.isEmpty else { return }
        try writeIndexObject(IndexObject.encode(records: records))
    }

    private func writeIndexObject(_ plaintext: [UInt8]) throws {
        let sealed = try metadata.seal(plaintext, kind: .index)
        let id = SHA256.hash(sealed).hex
        try backend.write(ObjectName(.index, id), sealed)
        cache?.put("index", id, plaintext)
    }

    /// Every condemned list with its name.
    func condemnedLists() throws -> [(ObjectName, [CondemnedPack])] {
        try backend.list(.condemned).map { info in
            let name = "condemned list \(info.name.id.prefix(8))"
            let plaintext = try metadata.open(try backend.read(info.name), kind: .condemned, name: name)
            return (info.name, try CondemnedList.decode(plaintext, name: name))
        }
    }

    /// Writes an index object for `packs`, which must already be stored, and adds them to
    /// the in-memory index.
    func saveIndex(_ packs: [IndexedPack], addingToMemory: Bool = true) throws {
        guard !packs.isEmpty else { return }
        try writeIndexObject(IndexObject.encode(packs))
        if addingToMemory { index.add(packs) }
    }

    public func contains(_ blob: Digest256) -> Bool { index.contains(blob) }

    /// Every stored pack (one listing per pack kind) with its kind and size.
    func storedPacks() throws -> [Digest256: (kind: ObjectKind, size: Int)] {
        var stored: [Digest256: (kind: ObjectKind, size: Int)] = [:]
        for kind in [ObjectKind.dataPack, .treePack] {
            for info in try backend.list(kind) {
                if let id = Digest256(hex: info.name.id) { stored[id] = (kind, info.size) }
            }
        }
        return stored
    }

    /// Takes out of the in-memory index the blobs of every indexed pack that is not stored
    /// (deleted or lost behind the repository's back), so that a snapshot stores them again
    /// rather than refer to them. Costs one listing of each pack kind. Returns those packs.
    @discardableResult
    func forgetMissingPacks() throws -> Set<Digest256> {
        forgetMissingPacks(stored: try storedPacks())
    }

    @discardableResult
    private func forgetMissingPacks(stored: [Digest256: (kind: ObjectKind, size: Int)]) -> Set<Digest256> {
        index.removeBlobs { stored[$0] == nil }
    }

    /// What a snapshot (or a copy, into its target) does before it stores anything, from one
    /// listing of each pack kind:
    /// forgets indexed packs that are missing (`forgetMissingPacks`), then indexes the packs
    /// an interrupted snapshot stored but did not index (`UnindexedPackAdopter`).
    /// Also returns the missing packs it took out of the index.
    func prepareForNewBlobs(cancellation: Cancellation) throws -> (adopted: AdoptedPacks, missing: Set<Digest256>) {
        let stored = try storedPacks()
        let missing = forgetMissingPacks(stored: stored)
        return (try UnindexedPackAdopter(repository: self, cancellation: cancellation).adopt(stored: stored), missing)
    }

    /// Whether a condemned pack holds blobs (a prune raced a snapshot): a parent snapshot
    /// may then refer to blobs the index no longer lists.
    var hasCondemnedBlobs: Bool { index.condemnedCount > 0 }

    /// Whether an index object or a condemned list names the pack.
    func isListed(pack: Digest256) -> Bool { index.pack(pack) != nil }

    /// About `count` ids spread evenly over the index, for timing lookups at scale.
    @_spi(Benchmarks) public func indexSample(count: Int) -> [Digest256] { index.sample(count: count) }

    /// Where a blob can be read: from the index, or failing that from a condemned pack.
    public func location(of blob: Digest256) -> BlobLocation? { index.location(of: blob) }

    /// Whether a blob is missing from the index but still held by a condemned pack (a
    /// snapshot raced a prune; the next prune puts the pack back into the index).
    func isOnlyCondemned(_ blob: Digest256) -> Bool { index.isOnlyCondemned(blob) }

    var indexedBlobCount: Int { index.count }

    /// Blobs in the index, for benchmarks.
    @_spi(Benchmarks) public var indexCount: Int { indexedBlobCount }

    func withIndex<R, E: Error>(_ body: (BlobIndex) throws(E) -> R) throws(E) -> R { try index.withLive(body) }

    // MARK: Blobs

    /// The plaintext of one blob (`BlobStore.load`).
    public func loadBlob(_ id: Digest256) throws -> [UInt8] { try blobs.load(id) }

    public func loadTree(_ id: Digest256) throws -> Tree {
        try Tree.decode(try loadBlob(id), name: "tree \(id.hex.prefix(8))")
    }

    /// `loadTree` keeping each pack's opener in `openers` (one thread's) for the next.
    func loadTree(_ id: Digest256, openers: PackOpeners) throws -> Tree {
        try Tree.decode(try blobs.load(id, openers: openers), name: "tree \(id.hex.prefix(8))")
    }

    /// The keyed id of a blob's plaintext.
    func blobID(of plaintext: UnsafeRawBufferPointer) -> Digest256 { blobs.id(of: plaintext) }

    // MARK: Snapshots

    /// Every snapshot, oldest first; a damaged one throws. For what must see all of them
    /// (prune: an unreadable snapshot's blobs would look like garbage).
    public func snapshots() throws -> [StoredSnapshot] {
        let listing = try snapshotListing()
        if let first = listing.damaged.first { throw first.error }
        return listing.snapshots
    }

    /// The snapshots that load, oldest first, and the ids of those that are damaged (do not
    /// decode, or do not match their name). Other failures (the backend) are thrown.
    public func snapshotListing() throws -> SnapshotListing {
        var good: [StoredSnapshot] = [], damaged: [SnapshotListing.Damaged] = []
        for info in try backend.list(.snapshots) {
            do {
                good.append(try loadSnapshot(id: info.name.id))
            } catch where RepositoryDamage.isDamage(error) {
                damaged.append(.init(id: info.name.id, error: error))
            }
        }
        return SnapshotListing(snapshots: good.sorted { $0.snapshot.time < $1.snapshot.time },
                               damaged: damaged.sorted { $0.id < $1.id })
    }

    public func loadSnapshot(id: String) throws -> StoredSnapshot {
        let name = "snapshot \(id.prefix(8))"
        let plaintext = try metadata.open(try readVerified(ObjectName(.snapshots, id)), kind: .snapshot, name: name)
        return StoredSnapshot(id: id, snapshot: try Snapshot.decode(plaintext, name: name))
    }

    /// The stored bytes of an object named by their SHA-256 (snapshots, index objects); a
    /// name that does not match is damage (two objects swapped, or one altered).
    func readVerified(_ name: ObjectName) throws -> [UInt8] {
        let bytes = try backend.read(name)
        guard SHA256.hash(bytes).hex == name.id else {
            throw FormatError.corrupt("\(name.kind.rawValue)/\(name.id)", "content does not match its name (SHA-256 differs)")
        }
        return bytes
    }

    /// Stores a snapshot; the caller has stored every pack and index it refers to.
    public func saveSnapshot(_ snapshot: Snapshot) throws -> StoredSnapshot {
        let sealed = try metadata.seal(try snapshot.encoded(), kind: .snapshot)
        let id = SHA256.hash(sealed).hex
        try backend.write(ObjectName(.snapshots, id), sealed)
        return StoredSnapshot(id: id, snapshot: snapshot)
    }

    public func deleteSnapshot(id: String) throws { try backend.delete(ObjectName(.snapshots, id)) }
}

/// The snapshots of a repository that load, and those that are damaged.
public struct SnapshotListing: Sendable {
    public struct Damaged: Sendable {
        public let id: String
        public let error: any Error

        /// One line for stderr: which object, what is wrong, what to do.
        public var warning: String {
            "snapshots/\(id) is damaged (\(error)); skipped: `repo forget \(id.prefix(8))` removes it"
        }
    }

    public let snapshots: [StoredSnapshot]
    public let damaged: [Damaged]

    /// One line for all the damaged ones: the first's warning, and how many more; nil when
    /// none is damaged.
    public var damageSummary: String? {
        guard let first = damaged.first else { return nil }
        return first.warning + (damaged.count > 1 ? " (and \(damaged.count - 1) more damaged)" : "")
    }
}

/// Failures of repository operations that are not about one object's format.
public enum RepositoryError: Error, Equatable, Sendable, CustomStringConvertible {
    case blobMissing(Digest256)
    case snapshotNotFound(String)
    case ambiguousSnapshot(String, [String])
    case pathNotInSnapshot(path: String, snapshot: String)
    case noSnapshotContains(String)
    case locked(String)
    case keyNotFound(String)
    case keyInUse
    case lastKey

    public var description: String {
        switch self {
        case .blobMissing(let id): return "blob \(id.hex) is not in the index: run `repo check`"
        case .snapshotNotFound(let spec): return "no snapshot matches \(spec.debugDescription)"
        case .ambiguousSnapshot(let spec, let ids):
            return "\(spec.debugDescription) matches several snapshots (\(ids.prefix(5).joined(separator: ", "))): give more of the id"
        case .pathNotInSnapshot(let path, let snapshot):
            return "\(path) is not in snapshot \(snapshot): see `repo ls \(snapshot)`"
        case .noSnapshotContains(let path):
            return "no snapshot contains \(path): see `repo snapshots`, or choose with --path, --tag or --host"
        case .locked(let why): return why
        case .keyNotFound(let prefix): return "no key matches \(prefix.debugDescription): see `repo key list`"
        case .keyInUse: return "cannot remove the key in use or the last key: add another key and use it first"
        case .lastKey:
            return "cannot remove the last key known to open the repository (the key in use was removed meanwhile): open it with another password, or add a key first (`repo key add`)"
        }
    }
}

/// This machine's name and the current user's, as snapshots and keys record them.
public enum Host {
    public static var name: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static var user: String {
        if let name = ProcessInfo.processInfo.environment["USER"], !name.isEmpty { return name }
        guard let entry = getpwuid(getuid()) else { return "uid \(getuid())" }
        return String(cString: entry.pointee.pw_name)
    }
}
