import Repo

/// One snapshot of `copy --json`, a line each: `status` is `copied`, `already_copied` or
/// `failed` (with `error`).
struct CopiedSnapshotMessage: Encodable {
    let message_type = "snapshot"
    let source: String
    /// Left out when the snapshot was not copied.
    let target: String?
    let status: String
    /// Only when `status` is `failed`.
    let error: String?
    let blobs_sent: Int
    let bytes_sent: UInt64
    let blobs_read: Int
    let bytes_read: UInt64

    init(_ copied: CopiedSnapshot) {
        source = copied.source.id
        target = copied.target?.id
        switch copied.outcome {
        case .copied: (status, error) = ("copied", nil)
        case .alreadyCopied: (status, error) = ("already_copied", nil)
        case .failed(let why): (status, error) = ("failed", why)
        }
        blobs_sent = copied.blobsSent
        bytes_sent = copied.bytesSent
        blobs_read = copied.blobsRead
        bytes_read = copied.bytesRead
    }
}

/// `copy --json`: the summary line at the end.
struct CopySummaryMessage: Encodable {
    let message_type = "summary"
    let snapshots_copied: Int
    let snapshots_already_copied: Int
    let snapshots_failed: Int
    let blobs_sent: Int
    let bytes_sent: UInt64
    let bytes_stored: UInt64
    let blobs_read: Int
    let bytes_read: UInt64
    let resumed_packs: Int
    let resumed_bytes: UInt64

    init(_ summary: CopySummary) {
        snapshots_copied = summary.copied
        snapshots_already_copied = summary.alreadyCopied
        snapshots_failed = summary.failed.count
        blobs_sent = summary.blobsSent
        bytes_sent = summary.bytesSent
        bytes_stored = summary.bytesStored
        blobs_read = summary.blobsRead
        bytes_read = summary.bytesRead
        resumed_packs = summary.adopted.packs
        resumed_bytes = summary.adopted.bytes
    }
}
