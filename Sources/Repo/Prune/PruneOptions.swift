import Foundation
import Workers

/// What a prune may do.
public struct PruneOptions: Sendable {
    /// A pack is repacked when more than this share of its indexed bytes is unused.
    public var maxUnused: Double = 0.05
    /// At most this many bytes of packs are read for repacking (nil: no limit).
    public var maxRepackBytes: Int?
    /// Condemned packs are deleted this long after being condemned, when a lock that may
    /// belong to a running process kept the prune that condemned them from deleting them.
    public var grace: TimeInterval = 24 * 3600
    /// Remains of writes that never completed (temporary files, unfinished multipart
    /// uploads) are removed once they are this old: no write takes a day, and one still in
    /// progress (perhaps on a host whose lock looks stale) must never be cut, as its
    /// snapshot would fail. Not `grace`, which users shorten, down to 0, to finish deferred
    /// deletions once they know the other process is gone.
    public static let incompleteWriteAge: TimeInterval = 24 * 3600
    /// `--reseal`: every pack with live blobs sealed under an older key generation than
    /// the newest is repacked (within `maxRepackBytes`), so its blobs move to packs of the
    /// newest generation and the old packs leave (docs/guide.md, "Key rotation").
    public var reseal = false
    /// Plan and report only.
    public var dryRun = false
    /// Snapshots to treat as already forgotten (`forget --dry-run --prune` plans the prune
    /// that would follow).
    public var assumeForgotten: Set<String> = []
    /// Raised, the prune stops before it repacks, or after repacking and before anything
    /// leaves the index; from there on it finishes (a few index writes and deletions, each
    /// safe to cut by a crash, but quicker to end than to explain).
    public var cancellation = Cancellation.process

    public init() {}
}
