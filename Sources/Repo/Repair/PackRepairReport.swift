/// What `repair packs` found and did.
public struct PackRepairReport: Sendable {
    /// One repaired (or, in a dry run, damaged) pack.
    public struct Pack: Sendable {
        public let id: String
        public let type: BlobType
        /// What is wrong with it; nil for a pack named on the command line in which nothing was found.
        public let problem: String?
        /// Blobs copied into new packs.
        public var salvaged = 0
        /// Blobs that could not be read or verified and that no other pack holds: their ids.
        public var lost: [String] = []
        /// Blobs another pack holds as well: nothing to copy.
        public var heldElsewhere = 0
        /// Why the pack could not be repaired (it stays as it was); nil when done.
        public var failure: String?
    }

    public var dryRun: Bool
    public var packs: [Pack] = []
    public var packsRead = 0
    public var bytesRead: UInt64 = 0
    public var packsDeleted = 0
    public var indexObjectsWritten = 0
    public var indexObjectsRemoved = 0

    /// Whether every pack was repaired.
    public var isComplete: Bool { packs.allSatisfy { $0.failure == nil } }
    /// Whether blobs were lost, which snapshots may refer to.
    public var lostBlobs: Int { packs.reduce(0) { $0 + $1.lost.count } }
}
