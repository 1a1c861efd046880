#if canImport(Glibc)
import Glibc
#endif
import Posix

/// Reads the metadata of directory entries: `lstat`, owner names, symlink targets and
/// extended attributes, never following a symlink.
///
/// A final class so that one cache of user and group names serves a whole backup. Thread-safe:
/// the archiver's threads can share one reader.
public final class MetadataReader: Sendable {
    /// The attributes a caller already knows for the entry at a path, given its metadata
    /// without them (a snapshot: those of the parent snapshot's unchanged entry), or nil to
    /// read them.
    public typealias KnownAttributes = (FilePath, FileMetadata) -> [ExtendedAttribute]?

    private let names = AccountNames()

    public init() {}

    /// The metadata of the entry at `path` itself (`lstat`: a symlink is described, not
    /// followed).
    public func metadata(atPath path: String, readXattrs: Bool = true) throws(FileSystemError) -> FileMetadata {
        try metadata(atPath: FilePath(path), readXattrs: readXattrs)
    }

    /// The metadata of the entry at `path` itself, for paths that are not UTF-8.
    public func metadata(atPath path: FilePath, readXattrs: Bool = true) throws(FileSystemError) -> FileMetadata {
        do throws(Errno) {
            return try withNULTerminated(path.bytes) { cPath throws(Errno) in
                let status = try FileDescriptor.workingDirectory.status(ofEntry: cPath)
                let linkTarget = try isSymlink(status) ? FileDescriptor.workingDirectory.symlinkTarget(ofEntry: cPath) : nil
                return try metadata(status, path: path, linkTarget: linkTarget,
                                    xattrs: readXattrs ? .path(path.bytes) : nil)
            }
        } catch {
            throw error.error("read metadata of", path.description)
        }
    }

    /// The metadata of a file or directory the caller has open: `fstat` and the attributes of
    /// that very file, so that what is recorded describes what is read even if the path is
    /// replaced meanwhile. `path` is only for messages.
    public func metadata(fd: Int32, path: String, readXattrs: Bool = true) throws(FileSystemError) -> FileMetadata {
        do throws(Errno) {
            return try metadata(descriptor: FileDescriptor(rawValue: fd), path: FilePath(path), readXattrs: readXattrs)
        } catch {
            throw error.error("read metadata of", path)
        }
    }

    func metadata(descriptor: FileDescriptor, path: FilePath, readXattrs: Bool,
                  known: KnownAttributes = { _, _ in nil }) throws(Errno) -> FileMetadata {
        let status = try descriptor.status()
        return try metadata(status, path: path, linkTarget: nil, xattrs: readXattrs ? .descriptor(descriptor) : nil, known: known)
    }

    /// `lstat` of `name` in the directory open as `directory`.
    func status(of name: [UInt8], in directory: FileDescriptor) throws(Errno) -> stat {
        try withNULTerminated(name) { name throws(Errno) in try directory.status(ofEntry: name) }
    }

    /// The metadata of `name` in the directory open as `directory`, whose `lstat` is `status`.
    /// Extended attributes are read by `path`, as Linux has no `*at` call for them; a path
    /// too long for the kernel (a deep tree) is named through the open directory instead.
    func metadata(_ status: stat, of name: [UInt8], in directory: FileDescriptor, path: FilePath, readXattrs: Bool,
                  known: KnownAttributes = { _, _ in nil }) throws(Errno) -> FileMetadata {
        let linkTarget = try isSymlink(status)
            ? withNULTerminated(name) { name throws(Errno) in try directory.symlinkTarget(ofEntry: name) }
            : nil
        let xattrPath = path.bytes.count < Int(PATH_MAX) ? path.bytes : Array("/proc/self/fd/\(directory.rawValue)/".utf8) + name
        return try metadata(status, path: path, linkTarget: linkTarget, xattrs: readXattrs ? .path(xattrPath) : nil, known: known)
    }

    /// Metadata from a `stat` already taken, with owner names and, from `xattrs`, attributes
    /// (those `known` gives, else read: a `listxattr` by path costs as much as the `lstat`).
    private func metadata(_ status: stat, path: FilePath, linkTarget: [UInt8]?, xattrs: ExtendedAttributeHolder?,
                          known: KnownAttributes = { _, _ in nil }) throws(Errno) -> FileMetadata {
        guard let type = FileType(mode: status.st_mode) else { throw Errno(EOPNOTSUPP) }
        var metadata = FileMetadata(
            type: type, mode: UInt32(status.st_mode & 0o7777),
            uid: status.st_uid, gid: status.st_gid,
            user: names.user(status.st_uid), group: names.group(status.st_gid),
            mtime: Timestamp(status.st_mtim), ctime: Timestamp(status.st_ctim),
            size: UInt64(status.st_size), inode: UInt64(status.st_ino), device: UInt64(status.st_dev),
            linkCount: UInt64(status.st_nlink), rdev: UInt64(status.st_rdev),
            linkTarget: linkTarget)
        guard let xattrs else { return metadata }
        if let attributes = known(path, metadata) {
            metadata.xattrs = attributes
        } else {
            metadata.xattrs = try xattrs.readAll().map { ExtendedAttribute(nameBytes: $0.name, value: $0.value) }
        }
        return metadata
    }
}

private func isSymlink(_ status: stat) -> Bool {
    status.st_mode & S_IFMT == S_IFLNK
}
