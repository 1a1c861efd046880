import Foundation

/// What to restore and how.
public struct RestoreOptions: Sendable {
    /// Only paths matching one of these (or inside a matching directory) are restored.
    public var include: [ExcludePattern] = []
    /// Paths matching one of these (and everything inside) are not restored.
    public var exclude: [ExcludePattern] = []
    /// Read back every file written and check it against the blob ids.
    public var verify = false
    /// Threads that read packs, decrypt, verify and write; default the number of cores.
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// Archived packs the restore needs (S3 GLACIER, DEEP_ARCHIVE) are thawed as this says;
    /// nil: they stop the restore before it writes anything (`ArchivedPacksError`).
    public var thaw: ThawOptions?

    public init() {}
}

/// What a restore did.
public struct RestoreSummary: Sendable {
    /// Files restored: all their content written (and read back right with `verify`), or
    /// already there.
    public var files = 0
    /// Files some of whose content could not be written (or read back): not in `files`.
    public var filesFailed = 0
    public var directories = 0
    public var others = 0
    /// Files already present with the right content: not rewritten.
    public var filesUnchanged = 0
    public var bytesWritten: UInt64 = 0
    public var filesVerified = 0
    /// Blobs that failed authentication, decoding or their id, or are missing (not in the
    /// index, their pack gone or short): the repository is damaged (`repo check
    /// --read-data` says where). The files using them are incomplete.
    public var damagedBlobs = 0
    /// Entries that could not be restored, or metadata that could not be applied.
    public var problems: [String] = []
}
