#if canImport(Glibc)
import Glibc
#endif

/// An open file or directory, with thin wrappers over the system calls the program makes
/// that report `errno` as a typed error instead of returning -1 and retry the ones a signal
/// interrupts (in the spirit of swift-system's `FileDescriptor`, which the package does not
/// depend on). Reads and writes go into and out of the caller's buffers: no allocation.
///
/// A plain value: whoever opens one closes it exactly once (or hands it to an
/// `OwnedDescriptor`, which does).
public struct FileDescriptor: Hashable, Sendable {
    public let rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// The working directory, as the base of the `*at` calls.
    public static let workingDirectory = FileDescriptor(rawValue: AT_FDCWD)

    /// Opens `path`, relative to `directory` when it is relative and a directory is given.
    /// Always close-on-exec, so that no descriptor leaks into a child process (a hook, a
    /// database dump command) started while it is open.
    public static func open(
        _ path: String, relativeTo directory: FileDescriptor? = nil, flags: Int32, mode: mode_t = 0
    ) throws(Errno) -> FileDescriptor {
        let base = directory?.rawValue ?? AT_FDCWD
        return FileDescriptor(rawValue: try retryingOnInterrupt { openat(base, path, flags | O_CLOEXEC, mode) })
    }

    /// Reads at the current offset into `buffer`, and returns how many bytes were read:
    /// fewer than asked at the end of the file or of what a pipe has now, 0 at the end.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try retryingOnInterrupt { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Reads at `offset` until `buffer` is full or the file ends, and returns how many
    /// bytes were read: `pread` may return less than asked (signals, 2 GiB cap per call).
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(Errno) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let count = try retryingOnInterrupt {
                pread(rawValue, base + done, buffer.count - done, off_t(offset + done))
            }
            if count == 0 { break }
            done += count
        }
        return done
    }

    /// Up to `count` bytes at `offset`: fewer only if the file ends first.
    public func read(count: Int, at offset: Int) throws(Errno) -> [UInt8] {
        var failure: Errno?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(Errno) {
                initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes all of `bytes` at the current offset, continuing after short writes.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(Errno) {
        try writeAll(bytes) { base, count, _ in Glibc.write(rawValue, base, count) }
    }

    /// Writes all of `bytes` at `offset`, continuing after short writes.
    public func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(Errno) {
        try writeAll(bytes) { base, count, done in pwrite(rawValue, base, count, off_t(offset + done)) }
    }

    /// Calls `write` (the rest of the bytes, how many, how many are done) until all are
    /// written. A write makes progress or fails: zero would loop forever, so it fails (EIO).
    @inline(__always)
    private func writeAll(
        _ bytes: UnsafeRawBufferPointer, _ write: (UnsafeRawPointer, Int, Int) -> Int
    ) throws(Errno) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let count = try retryingOnInterrupt { write(base + done, bytes.count - done, done) }
            guard count > 0 else { throw Errno(EIO) }
            done += count
        }
    }

    /// Where `seek` counts from.
    public enum SeekOrigin: Sendable {
        case start, current, end
        /// The first byte of data at or after the offset (sparse files); ENXIO past the last.
        case nextData
        /// The first byte of a hole at or after the offset; the end of the file counts as one.
        case nextHole

        var whence: Int32 {
            switch self {
            case .start: SEEK_SET
            case .current: SEEK_CUR
            case .end: SEEK_END
            // Linux ABI values, which Swift's Glibc module leaves out because <unistd.h>
            // declares them only under _GNU_SOURCE.
            case .nextData: 3
            case .nextHole: 4
            }
        }
    }

    /// Moves the offset of the next `read` to `offset` from `origin`; returns the new
    /// offset from the start.
    @discardableResult
    public func seek(to offset: Int, from origin: SeekOrigin = .start) throws(Errno) -> Int {
        Int(try retryingOnInterrupt { lseek(rawValue, off_t(offset), origin.whence) })
    }

    /// Sets the file's size to `size`, cutting or extending it (with a hole).
    public func truncate(to size: Int) throws(Errno) {
        try retryingOnInterrupt { ftruncate(rawValue, off_t(size)) }
    }

    /// Flushes the file's data and metadata to the disk. A failure is final: after a failed
    /// fsync the kernel may have dropped the dirty pages, so retrying proves nothing.
    public func sync() throws(Errno) {
        if fsync(rawValue) != 0 { throw .current }
    }

    /// The status of the open file.
    public func status() throws(Errno) -> stat {
        var status = stat()
        try retryingOnInterrupt { fstat(rawValue, &status) }
        return status
    }

    /// The size of the open file.
    public func size() throws(Errno) -> Int {
        Int(try status().st_size)
    }

    /// Flushes the file to the disk (`sync`), then closes it; closes it when the flush fails
    /// too, and reports the first failure: what makes a written file durable.
    public func syncAndClose() throws(Errno) {
        do throws(Errno) {
            try sync()
        } catch {
            try? close()
            throw error
        }
        try close()
    }

    /// Closes the descriptor. Not retried on EINTR: Linux has released it either way, and a
    /// retry could close a descriptor another thread has just been given.
    public func close() throws(Errno) {
        if Glibc.close(rawValue) != 0 { throw .current }
    }

    /// Runs `body`, then closes the descriptor whatever it did (a failure to close is not
    /// reported: the reads are done and the descriptor is released either way).
    public func closeAfter<Result>(_ body: () throws -> Result) rethrows -> Result {
        defer { try? close() }
        return try body()
    }
}

extension FileDescriptor {
    /// Takes the exclusive `flock` on the file without waiting: false while another open
    /// file description holds it. Released by `unlock` or by closing.
    public func tryLockExclusively() throws(Errno) -> Bool {
        do throws(Errno) {
            try retryingOnInterrupt { flock(rawValue, LOCK_EX | LOCK_NB) }
            return true
        } catch where error.code == EWOULDBLOCK {
            return false
        }
    }

    /// Releases the `flock` taken on the file.
    public func unlock() {
        _ = flock(rawValue, LOCK_UN)
    }
}
