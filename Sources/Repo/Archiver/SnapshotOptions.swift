import Foundation
import Workers

/// What to back up and how.
public struct SnapshotOptions: Sendable {
    public var rules = ExcludeRules()
    public var tags: [String] = []
    /// Recorded host name; defaults to this machine's.
    public var host: String?
    /// The snapshot's time; defaults to now (set for imports and policy tests).
    public var time: Date?
    /// Snapshot to compare against (unchanged files are not read); nil picks the latest of
    /// the same host and paths.
    public var parent: String?
    /// Read every file even when the parent says it is unchanged.
    public var ignoreParent = false
    /// Unchanged entries take their attributes from the parent snapshot, so a snapshot that
    /// reads them after one that did not needs `ignoreParent` (no command turns this off).
    public var readXattrs = true
    /// Compression and sealing workers; default the number of cores.
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// Raised, the snapshot stops reading at the next file or buffer, stores and indexes
    /// what it had read (the next snapshot reuses it) and writes no snapshot.
    public var cancellation = Cancellation.process

    public init() {}
}

/// Where a snapshot is, for progress displays.
public struct SnapshotProgress: Sendable {
    public var files = 0
    public var directories = 0
    public var bytesDone: UInt64 = 0
    /// Files and bytes found by the background scan so far, and whether it is complete.
    public var filesTotal = 0
    public var bytesTotal: UInt64 = 0
    public var scanComplete = false
    public var currentPath = ""
    public var elapsedSeconds = 0.0
}
