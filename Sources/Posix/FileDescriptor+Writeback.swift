#if canImport(Glibc)
import Glibc
#endif

/// Early writeback: asks the kernel to start writing a range of the file to the disk now,
/// without waiting for it, so that the `sync()` that makes the file durable finds most of
/// it written already. A writer that syncs each file it completes (a pack) otherwise leaves
/// the disk idle while it fills the page cache, then waits for the whole file at `sync()`.
extension FileDescriptor {
    /// Starts writeback of the dirty pages of `count` bytes at `offset` (Linux
    /// `sync_file_range(SYNC_FILE_RANGE_WRITE)`). Only a hint: durability still comes from
    /// `sync()`. Returns false where the call is unavailable or refused (the file system
    /// does not support it), which costs nothing but the hint.
    @discardableResult
    public func startWriteback(offset: Int, count: Int) -> Bool {
        guard let syncFileRange = Self.syncFileRange, count > 0 else { return false }
        // SYNC_FILE_RANGE_WRITE (2): start writing the dirty pages, do not wait for them.
        return syncFileRange(rawValue, Int64(offset), Int64(count), 2) == 0
    }

    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32

    /// glibc's `sync_file_range`, which Swift's Glibc module leaves out (<fcntl.h> declares it
    /// only under _GNU_SOURCE); looked up once, nil where the C library lacks it.
    private static let syncFileRange: SyncFileRange? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: SyncFileRange.self)
    }()
}
