/// Failures of database sources, restores and drill queries: each one line naming the
/// source or target and what to do.
public enum DatabaseError: Error, CustomStringConvertible, Sendable {
    /// The dump tool failed or was killed; `detail` is its stderr tail.
    case dumpFailed(source: String, detail: String)
    /// The client restoring a dump failed (an SQL error stops it).
    case restoreFailed(target: String, detail: String)
    /// The target holds data and `--replace` was not given.
    case targetNotEmpty(target: String)
    case queryFailed(target: String, detail: String)
    /// The source's configuration cannot work (no path for sqlite, ...).
    case misconfigured(source: String, detail: String)
    /// A restored SQLite file failed `PRAGMA integrity_check`.
    case integrityCheckFailed(target: String, detail: String)

    public var description: String {
        switch self {
        case .dumpFailed(let source, let detail): return "database source \(source): dump failed: \(detail)"
        case .restoreFailed(let target, let detail): return "restore into \(target) failed: \(detail)"
        case .targetNotEmpty(let target): return "\(target) is not empty: choose another target, or add --replace to overwrite it"
        case .queryFailed(let target, let detail): return "query in \(target) failed: \(detail)"
        case .misconfigured(let source, let detail): return "database source \(source): \(detail)"
        case .integrityCheckFailed(let target, let detail): return "restored \(target) failed its integrity check: \(detail)"
        }
    }
}
