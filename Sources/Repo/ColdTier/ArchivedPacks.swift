import Crypto
import Storage

/// Packs a command needs and where each stands in the store's archive tiers: what a HEAD
/// of each said (`PackArchiveSurvey`). Packs that are readable now (hot, or thawed) are
/// counted apart from those that are not.
public struct ArchivedPacks: Sendable {
    public struct Entry: Sendable {
        public let pack: Digest256
        public let kind: ObjectKind
        public let size: Int
        public let state: ArchiveState

        public var name: ObjectName { ObjectName(kind, pack.hex) }
    }

    /// Every pack surveyed that is in an archive class, thawed or not.
    public var entries: [Entry] = []

    public init(entries: [Entry] = []) { self.entries = entries }

    /// Archived with no restore under way: a thaw request is needed.
    public var frozen: [Entry] { entries.filter { if case .archived = $0.state { true } else { false } } }
    /// Archived, a restore under way.
    public var thawing: [Entry] { entries.filter { if case .restoring = $0.state { true } else { false } } }
    /// Not readable now (frozen or thawing).
    public var unreadable: [Entry] { entries.filter { !$0.state.isReadable } }

    /// The archive class most of the unreadable packs are in (for messages), e.g. GLACIER.
    public var storageClass: String {
        var counts: [String: Int] = [:]
        for entry in unreadable { counts[entry.state.storageClass ?? "", default: 0] += 1 }
        return counts.max { $0.value < $1.value }?.key ?? "an archive tier"
    }

    public static func bytes(_ entries: [Entry]) -> UInt64 { entries.reduce(0) { $0 + UInt64($1.size) } }
}
