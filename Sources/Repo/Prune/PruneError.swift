import Crypto

/// Why a prune refused to run. It refuses before deleting anything whenever its view of
/// what is referenced could be incomplete.
public enum PruneError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingBlobs(count: Int, snapshot: String, blob: Digest256)
    case missingPack(String)
    case damagedPack(String, String)
    case damagedSnapshot(String, String)
    /// A WAL record does not open: its blobs would look unused.
    case damagedWALRecord(String, String)

    public var description: String {
        switch self {
        case .missingBlobs(let count, let snapshot, let blob):
            return "\(count) blob(s) referenced by snapshots are not in the repository (first: \(blob.hex.prefix(16)) in \(snapshot.hasPrefix("WAL file") ? snapshot : "snapshot " + snapshot.prefix(8))); prune refuses to run: see `repo check`, then `repo repair index` or `repo repair snapshots`"
        case .missingPack(let pack):
            return "pack \(pack) holds blobs in use but is missing from the repository; prune refuses to run: see `repo check` and `repo repair index`"
        case .damagedPack(let pack, let why):
            return "pack \(pack) holds blobs in use but is damaged (\(why)); nothing was deleted: see `repo check --read-data`"
        case .damagedWALRecord(let id, let why):
            return "wal/\(id) is damaged (\(why)); prune refuses to run, since the blobs only it refers to would look unused: see `repo check`"
        case .damagedSnapshot(let id, let why):
            return "snapshots/\(id) is damaged (\(why)); prune refuses to run, since the blobs only it refers to would look unused: remove it with `repo forget \(id.prefix(8))` (or see `repo check`), then prune"
        }
    }
}
