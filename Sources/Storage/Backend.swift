/// All the repository knows of storage: a flat namespace of immutable objects.
///
/// Implementations are thread-safe and synchronous: the pipelines call them from their own
/// threads, and an object-store backend blocks its caller while a request is in flight.
/// A backend knows nothing of snapshots, packs or encryption; it moves bytes by name.
public protocol Backend: AnyObject, Sendable {
    /// Where the repository lives, for messages (never containing credentials).
    var location: String { get }

    /// Every object of one kind, in no particular order.
    func list(_ kind: ObjectKind) throws(BackendError) -> [ObjectInfo]

    /// The whole object.
    func read(_ name: ObjectName) throws(BackendError) -> [UInt8]

    /// `range` of the object's bytes, exactly: an object that ends before `range` does is
    /// reported as `.truncated` (expected `range.count`), never answered with fewer bytes.
    func read(_ name: ObjectName, range: Range<Int>) throws(BackendError) -> [UInt8]

    /// The same bytes as `read(_:range:)`, into `buffer`, whose contents they replace. A
    /// backend that can reads into the buffer's existing storage: a reader that goes
    /// through many packs keeps one buffer instead of mapping fresh pages for each.
    func read(_ name: ObjectName, range: Range<Int>, into buffer: inout [UInt8]) throws(BackendError)

    /// Stores the object completely or not at all: a reader never sees part of it, and a
    /// crash leaves either the old state or the whole new object.
    func write(_ name: ObjectName, _ bytes: UnsafeRawBufferPointer) throws(BackendError)

    /// Whether `makeStream` gives streams: writers then never hold a whole object in
    /// memory. A backend that must send an object in one request (or whose requests need
    /// the name first) stores whole objects only (default false).
    var streamsObjects: Bool { get }

    /// A stream for a new object of `kind`, named when it is committed; nil when the
    /// backend stores whole objects only (the default).
    func makeStream(_ kind: ObjectKind) throws(BackendError) -> ObjectStream?

    /// Removes the object; removing one that does not exist is not an error.
    func delete(_ name: ObjectName) throws(BackendError)

    /// Size of the object, or nil if it does not exist.
    func stat(_ name: ObjectName) throws(BackendError) -> ObjectInfo?

    /// How many writes the backend serves well at once (default 1).
    var preferredConcurrency: Int { get }

    /// Reads shorter than this cost about as much as this many bytes (default 0).
    var preferredReadSize: Int { get }

    /// Removes what writes that never completed left in storage (temporary files,
    /// unfinished multipart uploads: never an object) when they started more than
    /// `seconds` ago, for objects of `kinds`; returns how many were removed (default: none).
    ///
    /// A write still in progress, possibly from another host, must never be cut: callers
    /// give an age no write takes (prune: 24 hours for everything; unlock: seconds for
    /// locks, a few hundred bytes written at once, whose writer at worst fails cleanly).
    /// Best effort: what cannot be removed now stays for a later call, and an error is
    /// thrown only once the rest was tried.
    func removeIncompleteWrites(of kinds: Set<ObjectKind>, olderThan seconds: Double) throws(BackendError) -> Int

    /// Whether objects may sit in an archive tier that must be thawed before a read
    /// (default false: every object is readable, and the two calls below need no answer).
    var hasArchiveTiers: Bool { get }

    /// Where the object stands (one HEAD on S3); `.notFound` if it does not exist. Default
    /// `.hot`.
    func archiveState(_ name: ObjectName) throws(BackendError) -> ArchiveState

    /// Asks the store to make a readable copy of an archived object, kept `days` days, at
    /// retrieval speed `tier`. Default: `.notArchived`, nothing to do.
    func requestThaw(_ name: ObjectName, tier: ThawTier, days: Int) throws(BackendError) -> ThawAnswer
}

extension Backend {
    /// How many writes the backend serves well at once: a snapshot keeps this many pack
    /// uploads in flight. A local disk gains nothing from more than one.
    public var preferredConcurrency: Int { 1 }

    /// Reads shorter than this cost about as much as this many bytes (an object store's
    /// per-request latency), so sequential readers fetch at least this much at a time.
    public var preferredReadSize: Int { 0 }

    /// A fresh array, for backends whose reads produce one anyway.
    public func read(_ name: ObjectName, range: Range<Int>, into buffer: inout [UInt8]) throws(BackendError) {
        buffer = try read(name, range: range)
    }

    public var streamsObjects: Bool { false }

    public func makeStream(_ kind: ObjectKind) throws(BackendError) -> ObjectStream? { nil }

    /// No archive tiers: every object is readable at once.
    public var hasArchiveTiers: Bool { false }

    public func archiveState(_ name: ObjectName) throws(BackendError) -> ArchiveState {
        guard try stat(name) != nil else { throw .notFound(name) }
        return .hot
    }

    public func requestThaw(_ name: ObjectName, tier: ThawTier, days: Int) throws(BackendError) -> ThawAnswer { .notArchived }

    /// Nothing to remove: storage where a write cut short leaves nothing behind.
    public func removeIncompleteWrites(of kinds: Set<ObjectKind>, olderThan seconds: Double) throws(BackendError) -> Int { 0 }

    /// What writes of any kind left behind.
    public func removeIncompleteWrites(olderThan seconds: Double) throws(BackendError) -> Int {
        try removeIncompleteWrites(of: Set(ObjectKind.allCases), olderThan: seconds)
    }

    public func write(_ name: ObjectName, _ bytes: [UInt8]) throws(BackendError) {
        // The error leaves the closure as a value: passing a `throws(BackendError)` closure
        // to `withUnsafeBytes` crashes the Swift 6.3 compiler in IRGen (reabstraction thunk).
        let failure = bytes.withUnsafeBytes { (buffer) -> BackendError? in
            do throws(BackendError) {
                try write(name, buffer)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }
}

/// A stored object's name and size.
public struct ObjectInfo: Hashable, Sendable {
    public let name: ObjectName
    public let size: Int
    /// Set by a listing when the object is in a storage class that may need a thaw before
    /// a read (S3: GLACIER, DEEP_ARCHIVE, INTELLIGENT_TIERING): only such objects are worth
    /// asking `archiveState` about. Nil on backends without archive tiers.
    public let archiveClass: String?

    public init(name: ObjectName, size: Int, archiveClass: String? = nil) {
        self.name = name
        self.size = size
        self.archiveClass = archiveClass
    }
}
