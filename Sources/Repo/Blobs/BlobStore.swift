import Chunker
import Codec
import Crypto
import Storage

/// The blob layer's one holder of the blob keys: everything that names, seals or opens a
/// data or tree blob gets what it needs from here, so a change to the pack format or a
/// new cache has one place to go. The readers and writers built on it:
///
/// - `load(_:)`: one blob, thread-safe (trees, single blobs);
/// - `BlobReader`: blobs one at a time in a file's order, with read-ahead (dump, diff, copy);
/// - `PackBlobReader`: many blobs of one pack, in spans, into reused buffers (restore,
///   check, prune's repack);
/// - `BlobUploader` and `OpenPacks`: new packs, stored and indexed (snapshot, copy,
///   repair, prune's repack, benchmarks).
final class BlobStore: @unchecked Sendable {
    let backend: any Backend
    private let keys: RepositoryKeys
    private let index: SharedIndex
    /// A request per tree would make every walk crawl on an object store, and cost an
    /// open, a read and a close per directory of a snapshot's parent locally: there, tree
    /// packs (at most 4 MiB) are read whole and kept.
    private let treePacks = PackCache(capacity: 8)

    init(backend: any Backend, keys: RepositoryKeys, index: SharedIndex) {
        self.backend = backend
        self.keys = keys
        self.index = index
    }

    // MARK: Finding

    func location(of blob: Digest256) -> BlobLocation? { index.location(of: blob) }

    func packSize(_ pack: Digest256) -> Int? { index.pack(pack)?.size }

    // MARK: Naming

    /// The keyed id of a blob's plaintext.
    func id(of plaintext: UnsafeRawBufferPointer) -> Digest256 { HMACSHA256.authenticate(plaintext, key: keys.blobIDKey) }

    /// A namer for one thread.
    func namer() -> BlobNamer { BlobNamer(key: keys.blobIDKey) }

    /// The chunker's secret gear table: chunk boundaries, like ids, reveal nothing without it.
    var gear: GearTable { keys.gear }

    // MARK: Reading

    /// The plaintext of one blob, read with a ranged request from its pack. Not checked
    /// against its id (its tag already binds it to its id and type): readers that must
    /// not pass damage on use a `BlobNamer` or `PackBlobReader`. `openers`, one thread's,
    /// keeps the pack's opener for the next load (a snapshot's parent trees), and asks for
    /// tree packs to be read whole on every backend (elsewhere, only on object stores).
    func load(_ id: Digest256, openers: PackOpeners? = nil) throws -> [UInt8] {
        guard let location = location(of: id), let pack = index.pack(location.pack) else {
            throw RepositoryError.blobMissing(id)
        }
        let packName = ObjectName(location.type.packKind, location.pack.hex)
        let entry = location.entry(id: id)
        let range = location.offset..<location.offset + location.length
        let make = { try BlobOpener(keys: self.keys, salt: pack.salt, generation: pack.generation) }
        let opener = try openers?.opener(for: location.pack, make: make) ?? make()
        if location.type == .tree, backend.preferredReadSize > 0 || openers != nil {
            let bytes = try treePacks.pack(location.pack) { try backend.read(packName, range: 0..<pack.size) }
            guard range.upperBound <= bytes.count else { throw BackendError.truncated(packName, expected: range.upperBound, actual: bytes.count) }
            return try bytes.withUnsafeBytes { try opener.open(UnsafeRawBufferPointer(rebasing: $0[range]), entry: entry, pack: location.pack.hex) }
        }
        let sealed = try backend.read(packName, range: range)
        return try sealed.withUnsafeBytes { try opener.open($0, entry: entry, pack: location.pack.hex) }
    }

    /// An opener for the blobs of `pack`, taking over `previous`'s buffers. `preamble` is
    /// the pack's salt and key generation, read from its own header, for a pack in no index
    /// (`repair packs`).
    func opener(for pack: Digest256, preamble: PackPreamble? = nil, reusing previous: BlobOpener? = nil) throws -> BlobOpener {
        guard let preamble = preamble ?? index.pack(pack).map({ PackPreamble(generation: $0.generation, salt: $0.salt) }) else {
            throw FormatError.corrupt("pack \(pack.hex)", "not in the index")
        }
        return try BlobOpener(keys: keys, salt: preamble.salt, generation: preamble.generation, reusing: previous)
    }

    /// A stored pack's preamble and header, read without its blobs (`PackReader.storedHeader`).
    func storedHeader(of name: ObjectName, size: Int, label: String, guess: Int = 65536) throws -> (preamble: PackPreamble, entries: [PackEntry]) {
        try PackReader(keys: keys).storedHeader(of: name, size: size, backend: backend, name: label, guess: guess)
    }

    /// A stored pack's index record, from its own preamble and header.
    func indexRecord(of info: ObjectInfo) throws -> IndexedPack {
        try PackReader(keys: keys).indexRecord(of: info, backend: backend)
    }

    // MARK: Key generations

    /// The pack key generations this repository has (docs/format.md, "Pack key generations").
    var keyring: PackKeyring { keys.packKeyring }

    /// The generation new packs are sealed with.
    var newestGeneration: UInt32 { keys.newestGeneration }

    /// The generations as a rotation just listed and extended them: from now on new packs
    /// use the newest.
    func setKeyring(_ keyring: PackKeyring) { keys.setKeyring(keyring) }

    // MARK: Writing

    /// A new pack of `type` in a buffer from `pool`, going to `stream` as it fills when there
    /// is one. Only `BlobUploader` (which owns the size rules) and format tests call this.
    func packWriter(_ type: BlobType, compressor: BlobCompressor, targetSize: Int, pool: PackBufferPool,
                    stream: ObjectStream?) throws -> PackWriter {
        try PackWriter(type: type, keys: keys, compressor: compressor, targetSize: targetSize, pool: pool, stream: stream)
    }
}
