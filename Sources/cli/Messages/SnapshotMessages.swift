import Foundation
import Repo

/// `snapshot --json`: the summary line at the end.
struct SnapshotSummaryMessage: Encodable {
    let message_type = "summary"
    let snapshot: String
    let partial: Bool
    let problems: [String]
    let files_new: Int
    let files_changed: Int
    let files_unchanged: Int
    let dirs: Int
    let bytes_read: UInt64
    let bytes_total: UInt64
    let bytes_added: UInt64
    let blobs_added: Int
    /// Packs of an interrupted snapshot taken over (indexed) before this one started.
    let resumed_packs: Int
    let resumed_bytes: UInt64
    let duration_seconds: Double

    init(_ stored: StoredSnapshot, adopted: AdoptedPacks) {
        let s = stored.snapshot, summary = s.summary
        snapshot = stored.id
        partial = s.partial
        problems = s.problems
        files_new = summary.filesNew
        files_changed = summary.filesChanged
        files_unchanged = summary.filesUnchanged
        dirs = summary.directories
        bytes_read = summary.bytesRead
        bytes_total = summary.bytesTotal
        bytes_added = summary.bytesAdded
        blobs_added = summary.blobsAdded
        resumed_packs = adopted.packs
        resumed_bytes = adopted.bytes
        duration_seconds = summary.durationSeconds
    }
}

/// `snapshot --json`: progress, at most once a second, before the summary.
struct SnapshotStatusMessage: Encodable {
    let message_type = "status"
    let files_done: Int
    let bytes_done: UInt64
    let files_total: Int
    let bytes_total: UInt64
    let scan_complete: Bool
    let seconds_elapsed: Double

    init(_ progress: SnapshotProgress) {
        files_done = progress.files
        bytes_done = progress.bytesDone
        files_total = progress.filesTotal
        bytes_total = progress.bytesTotal
        scan_complete = progress.scanComplete
        seconds_elapsed = progress.elapsedSeconds
    }
}

/// One snapshot of `snapshots --json` (an array of them).
struct SnapshotEntry: Encodable {
    let id: String
    let short_id: String
    let time: String
    let host: String
    let user: String
    let paths: [String]
    let tags: [String]
    let tree: String
    let partial: Bool
    let bytes_total: UInt64
    let bytes_added: UInt64
    let files: Int
    /// Left out for a snapshot without a parent.
    let parent: String?
    /// Left out when there were none.
    let problems: [String]?
    /// The source repository's snapshot id, for a snapshot `repo copy` wrote; left out
    /// otherwise.
    let copied_from: String?
    /// A PostgreSQL base backup's WAL positions (docs/format.md, "Snapshots"); left out for
    /// other snapshots.
    let postgres: PostgresBaseBackup?

    init(_ stored: StoredSnapshot) {
        let s = stored.snapshot
        id = stored.id
        short_id = stored.shortID
        time = MessageEncoding.time(s.time)
        host = s.host
        user = s.user
        paths = s.paths
        tags = s.tags
        tree = s.tree.hex
        partial = s.partial
        bytes_total = s.summary.bytesTotal
        bytes_added = s.summary.bytesAdded
        files = s.summary.filesNew + s.summary.filesChanged + s.summary.filesUnchanged
        parent = s.parent
        problems = s.problems.isEmpty ? nil : s.problems
        copied_from = s.copiedFrom
        postgres = s.postgres
    }
}

/// One entry of `ls --json`, a line each.
struct LsEntry: Encodable {
    /// The path as a JSON string (JSON escapes its control characters); for a path that
    /// is not valid UTF-8, a lossy one (U+FFFD for each bad sequence) and `path_bytes`.
    let path: String
    /// The path's bytes in base64, only when they are not valid UTF-8.
    let path_bytes: String?
    let type: String
    let mode: UInt32
    let size: UInt64
    let uid: UInt32
    let gid: UInt32
    let mtime: Int64

    init(_ node: Node, path: FilePath) {
        (self.path, path_bytes) = LsEntry.json(path)
        type = "\(node.type)"
        mode = node.mode
        size = node.size
        uid = node.uid
        gid = node.gid
        mtime = node.mtime.seconds
    }

    /// A path as `path` and `path_bytes` carry it, losslessly.
    static func json(_ path: FilePath) -> (String, String?) {
        if let text = path.string { return (text, nil) }
        return (String(decoding: path.bytes, as: UTF8.self), Data(path.bytes).base64EncodedString())
    }
}

/// One change of `diff --json`, a line each: `change` is `+`, `-`, `M` or `U`.
struct DiffChangeMessage: Encodable {
    let change: String
    /// As in `LsEntry`: the path, lossy when it is not UTF-8, then also in `path_bytes`.
    let path: String
    let path_bytes: String?

    init(change: String, path: FilePath) {
        self.change = change
        (self.path, path_bytes) = LsEntry.json(path)
    }
}
