#if canImport(Glibc)
import Glibc
#endif

/// An open file or directory, with thin wrappers over the system calls the local backend
/// needs that report `errno` as a typed error instead of returning -1 (in the spirit of
/// swift-system's `FileDescriptor`, which the package does not depend on).
///
/// A plain value: whoever opens one closes it exactly once.
struct FileDescriptor: Sendable {
    let rawValue: Int32

    /// Opens `path`, relative to `directory` when it is relative and a directory is given.
    /// Always close-on-exec, so that no descriptor leaks into a child process (a hook, a
    /// database dump command) started while it is open.
    static func open(
        _ path: String, relativeTo directory: FileDescriptor? = nil, flags: Int32, mode: mode_t = 0
    ) throws(Errno) -> FileDescriptor {
        let base = directory?.rawValue ?? AT_FDCWD
        return FileDescriptor(rawValue: try retryingOnInterrupt { openat(base, path, flags | O_CLOEXEC, mode) })
    }

    /// Reads at `offset` until `buffer` is full or the file ends, and returns how many
    /// bytes were read: `pread` may return less than asked (signals, 2 GiB cap per call).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(Errno) -> Int {
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
    func read(count: Int, at offset: Int) throws(Errno) -> [UInt8] {
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
    func writeAll(_ bytes: UnsafeRawBufferPointer) throws(Errno) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            done += try retryingOnInterrupt { Glibc.write(rawValue, base + done, bytes.count - done) }
        }
    }

    /// Flushes the file's data and metadata to the disk. A failure is final: after a failed
    /// fsync the kernel may have dropped the dirty pages, so retrying proves nothing.
    func sync() throws(Errno) {
        if fsync(rawValue) != 0 { throw .current }
    }

    /// The size of the open file.
    func size() throws(Errno) -> Int {
        var status = stat()
        if fstat(rawValue, &status) != 0 { throw .current }
        return Int(status.st_size)
    }

    /// Closes the descriptor. Not retried on EINTR: Linux has released it either way, and a
    /// retry could close a descriptor another thread has just been given.
    func close() throws(Errno) {
        if Glibc.close(rawValue) != 0 { throw .current }
    }
}
