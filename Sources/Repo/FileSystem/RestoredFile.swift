#if canImport(Glibc)
import Glibc
#endif
import Posix

/// A regular file being restored, open for writing.
///
/// Content is written region by region at its offsets, and the size set at the end, so the
/// holes of a sparse file are never written and stay holes. Thread-safe: several threads may
/// write different regions at once (`pwrite` does not share a file offset). The descriptor
/// is closed when the object goes away.
public final class RestoredFile: Sendable {
    /// The file's path, for messages.
    public let path: FilePath
    private let descriptor: OwnedDescriptor
    private let applier: MetadataApplier

    init(path: FilePath, descriptor: OwnedDescriptor, applier: MetadataApplier) {
        self.path = path
        self.descriptor = descriptor
        self.applier = applier
    }

    /// The open descriptor, for I/O beyond these helpers (`fsync`, `copy_file_range`); valid
    /// while this object lives.
    public var fd: Int32 { descriptor.rawValue }

    /// Which inode this is, to recognise the file when it is opened again by name.
    func identity() throws(Errno) -> FileIdentity {
        let status = try descriptor.descriptor.status()
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// Writes all of `bytes` at `offset`.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(FileSystemError) {
        do throws(Errno) {
            try descriptor.descriptor.writeAll(bytes, at: Int(offset))
        } catch {
            throw error.error("write", path.description)
        }
    }

    public func write(_ bytes: [UInt8], at offset: UInt64) throws(FileSystemError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(FileSystemError) in try write(buffer, at: offset) }
        }
        try result.get()
    }

    /// Sets the file's final size: extends it with a hole after the last region written (or
    /// cuts it). Call it once all regions are written.
    public func setSize(_ size: UInt64) throws(FileSystemError) {
        do throws(Errno) {
            try descriptor.descriptor.truncate(to: Int(clamping: size))
        } catch {
            throw error.error("set the size of", path.description)
        }
    }

    /// Sets owner, attributes, mode and mtime. Call it after the last write: writing clears
    /// setuid bits and file capabilities, and moves the mtime.
    @discardableResult
    public func applyMetadata(_ metadata: FileMetadata) throws(FileSystemError) -> [FileSystemError] {
        try applier.apply(metadata, to: .descriptor(descriptor.descriptor), path: path)
    }
}

/// An inode, as `stat` names it: what a file is, whatever its names.
struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
}
