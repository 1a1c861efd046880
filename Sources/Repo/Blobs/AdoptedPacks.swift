/// What a snapshot took over from an interrupted one before it started: packs stored but
/// listed by no index object, now indexed (`UnindexedPackAdopter`).
public struct AdoptedPacks: Sendable, Equatable {
    public var packs = 0
    public var blobs = 0
    public var bytes: UInt64 = 0
    /// Packs in no index that were left alone: their header does not open or does not fit
    /// the pack, or some of their blobs are indexed elsewhere (prune or `repair packs`
    /// deals with them).
    public var skipped = 0

    public init() {}
}
