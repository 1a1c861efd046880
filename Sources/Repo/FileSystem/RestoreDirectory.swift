#if canImport(Glibc)
import Glibc
#endif
import Posix

/// `open` flag for a descriptor that only names a directory (Linux ABI value; Swift's Glibc
/// module leaves it out). Such a descriptor serves `*at` calls without needing read
/// permission on the directory.
private let openPathOnly: Int32 = 0o10_000_000

/// An open directory inside a restore target, and the ways to recreate entries in it.
///
/// Every call names an entry relative to this directory's descriptor, checks the name with
/// `RestoreTarget.isSafeName`, and never follows a symlink at that name: whatever is in the
/// way of a new entry (a symlink, a file, an empty directory) is removed first, and
/// directories are opened with `O_NOFOLLOW`. A non-empty directory in the way is not removed
/// (the call fails with ENOTEMPTY): deleting trees is not a restore's job.
///
/// New entries start private (0700 directories, 0600 files and nodes) so nobody can use them
/// half-restored; `applyMetadata` sets the real mode, owner, attributes and time. Apply it to
/// a directory after its entries are restored, since creating them changes its mtime.
///
/// Thread-safe: the descriptor is only read, and lives as long as this object.
public final class RestoreDirectory: Sendable {
    /// The directory's path, for messages.
    public let path: FilePath
    private let descriptor: OwnedDescriptor
    private let targetRoot: OwnedDescriptor
    private let applier: MetadataApplier

    /// This directory, for the `*at` calls on its entries.
    private var directory: FileDescriptor { descriptor.descriptor }

    init(path: FilePath, descriptor: OwnedDescriptor, targetRoot: OwnedDescriptor, restoresOwnership: Bool) {
        self.path = path
        self.descriptor = descriptor
        self.targetRoot = targetRoot
        self.applier = MetadataApplier(restoresOwnership: restoresOwnership)
    }

    /// An existing regular file `name` opened for reading, relative to this directory and
    /// without following a symlink, or nil when there is none. A file with other hard links
    /// is nil too: it may be shared with something outside the target, so a restore must
    /// replace it rather than keep it (and then change its metadata).
    public func openExistingFile(_ name: [UInt8]) -> FileDescriptor? {
        guard RestoreTarget.isSafeName(name),
              let file = try? withNULTerminated(name, { (name) throws(Errno) in
                  try directory.openEntry(name, flags: O_RDONLY | O_NOFOLLOW)
              })
        else { return nil }
        guard let status = try? file.status(), status.st_mode & S_IFMT == S_IFREG, status.st_nlink == 1 else {
            try? file.close()
            return nil
        }
        return file
    }

    /// The directory `name`, created if missing, kept if it is already a directory (a restore
    /// over an earlier one), replacing anything else.
    public func makeDirectory(_ name: [UInt8]) throws(FileSystemError) -> RestoreDirectory {
        let entry = try checked(name)
        do throws(Errno) {
            try withNULTerminated(name) { cName throws(Errno) in
                do throws(Errno) {
                    try directory.makeDirectory(entry: cName, mode: 0o700)
                } catch where error.code == EEXIST {
                    guard try directory.status(ofEntry: cName).st_mode & S_IFMT != S_IFDIR else { return }
                    try remove(cName)
                    try directory.makeDirectory(entry: cName, mode: 0o700)
                }
            }
        } catch {
            throw error.error("create directory", entry.description)
        }
        return try openDirectory(name)
    }

    /// The existing directory `name`. Fails (ELOOP or ENOTDIR) if `name` is a symlink, even to
    /// a directory: nothing is ever written through one.
    public func openDirectory(_ name: [UInt8]) throws(FileSystemError) -> RestoreDirectory {
        let entry = try checked(name)
        do throws(Errno) {
            let child = try withNULTerminated(name) { cName throws(Errno) in
                try directory.openEntry(cName, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            }
            return RestoreDirectory(path: entry, descriptor: OwnedDescriptor(child), targetRoot: targetRoot,
                                    restoresOwnership: applier.restoresOwnership)
        } catch {
            throw error.error("open directory", entry.description)
        }
    }

    /// This directory's device and inode, to know it again when it is opened another way.
    func identity() throws(Errno) -> FileIdentity {
        let status = try directory.status()
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// The directory above this one (`..`), if it is still `expected` (from `identity()`):
    /// one step up a deep tree, where opening it again from the target would take a step
    /// per level. Fails (ESTALE) if the tree was moved meanwhile.
    func openParent(expected: FileIdentity) throws(FileSystemError) -> RestoreDirectory {
        var parentPath = path.bytes
        while let last = parentPath.last, last != FilePath.separator { parentPath.removeLast() }
        if parentPath.count > 1 { parentPath.removeLast() }
        let above = FilePath(bytes: parentPath)
        do throws(Errno) {
            let opened = try withNULTerminated(Array("..".utf8)) { name throws(Errno) in
                try directory.openEntry(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            }
            let parent = RestoreDirectory(path: above, descriptor: OwnedDescriptor(opened), targetRoot: targetRoot,
                                          restoresOwnership: applier.restoresOwnership)
            guard try parent.identity() == expected else { throw Errno(ESTALE) }
            return parent
        } catch {
            throw error.error("open directory", above.description)
        }
    }

    /// A new, empty regular file `name`, open for writing. Whatever was at `name` is removed
    /// first and the file created with `O_EXCL`, so the result is always a fresh inode: an
    /// existing file is not truncated in place, because it might be a hard link to a file
    /// outside the target (truncating it would destroy that file).
    public func createFile(_ name: [UInt8]) throws(FileSystemError) -> RestoredFile {
        let entry = try checked(name)
        do throws(Errno) {
            let file = try replacing(name) { (cName) throws(Errno) in
                try directory.openEntry(cName, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
            }
            return RestoredFile(path: entry, descriptor: OwnedDescriptor(file), applier: applier)
        } catch {
            throw error.error("create file", entry.description)
        }
    }

    /// The file `name` this restore created earlier (see `createFile`), open for writing
    /// again: a restore that writes many files at once cannot keep them all open. Opened
    /// without following a symlink, and only if it is still the same inode (`identity`, from
    /// `RestoredFile.identity()`): whatever replaced it meanwhile is never written to.
    func reopenFile(_ name: [UInt8], identity: FileIdentity) throws(FileSystemError) -> RestoredFile {
        let entry = try checked(name)
        do throws(Errno) {
            let opened = try withNULTerminated(name) { cName throws(Errno) in
                try directory.openEntry(cName, flags: O_WRONLY | O_NOFOLLOW)
            }
            let file = RestoredFile(path: entry, descriptor: OwnedDescriptor(opened), applier: applier)
            guard try file.identity() == identity else { throw Errno(ESTALE) }
            return file
        } catch {
            throw error.error("reopen file", entry.description)
        }
    }

    /// A symlink `name` pointing at `target`, which is stored as given: it is never followed
    /// here, so it may point anywhere, exist or not.
    public func makeSymlink(_ name: [UInt8], target: [UInt8]) throws(FileSystemError) {
        let entry = try checked(name)
        do throws(Errno) {
            try withNULTerminated(target) { cTarget throws(Errno) in
                try replacing(name) { (cName) throws(Errno) in try directory.makeSymlink(entry: cName, target: cTarget) }
            }
        } catch {
            throw error.error("create symlink", entry.description)
        }
    }

    /// A hard link `name` to `existing`, an entry already restored, given by its path relative
    /// to the target root (`a/b/file`). Each directory on the way is opened with `O_NOFOLLOW`,
    /// so the link cannot reach outside the target, and every component must be a safe name.
    public func makeHardLink(_ name: [UInt8], to existing: FilePath) throws(FileSystemError) {
        let entry = try checked(name)
        let components = existing.bytes.split(separator: FilePath.separator).map { Array($0) }
        guard let last = components.last, components.allSatisfy(RestoreTarget.isSafeName) else {
            throw .unsafeName(existing.description)
        }
        do throws(Errno) {
            var parent = targetRoot
            for component in components.dropLast() {
                let next = try withNULTerminated(component) { cName throws(Errno) in
                    try parent.descriptor.openEntry(cName, flags: openPathOnly | O_DIRECTORY | O_NOFOLLOW)
                }
                parent = OwnedDescriptor(next)
            }
            let source = parent
            try withNULTerminated(last) { cExisting throws(Errno) in
                try replacing(name) { (cName) throws(Errno) in
                    try directory.makeHardLink(entry: cName, to: cExisting, in: source.descriptor)
                }
            }
        } catch {
            throw error.error("create hard link", "\(entry) to \(existing)")
        }
    }

    /// A FIFO, socket or device node `name`; `rdev` is the device number of a device.
    public func makeSpecialFile(_ name: [UInt8], type: FileType, rdev: UInt64 = 0) throws(FileSystemError) {
        let entry = try checked(name)
        guard [.fifo, .socket, .characterDevice, .blockDevice].contains(type) else {
            throw .unsupportedType(path: entry.description)
        }
        do throws(Errno) {
            try replacing(name) { (cName) throws(Errno) in
                try directory.makeNode(entry: cName, mode: type.modeBits | 0o600, device: dev_t(rdev))
            }
        } catch {
            throw error.error("create special file", entry.description)
        }
    }

    /// Sets this directory's owner, attributes, mode and mtime; call it after its entries
    /// are restored. Returns what the target could not hold (see `MetadataApplier`).
    @discardableResult
    public func applyMetadata(_ metadata: FileMetadata) throws(FileSystemError) -> [FileSystemError] {
        try applier.apply(metadata, to: .descriptor(descriptor.descriptor), path: path)
    }

    /// Sets the metadata of the entry `name` itself, never of what a symlink points to: for
    /// entries not open here, such as symlinks and special files (opening a device can have
    /// effects) or a file kept as it was. Fails rather than follow if `name` turned out to be
    /// a symlink where `metadata` says otherwise.
    @discardableResult
    public func applyMetadata(_ metadata: FileMetadata, toEntry name: [UInt8]) throws(FileSystemError) -> [FileSystemError] {
        let entry = try checked(name)
        return try applier.apply(metadata, to: .entry(directory: descriptor.descriptor, name: name), path: entry)
    }

    /// The path of the entry `name`, which must be safe.
    private func checked(_ name: [UInt8]) throws(FileSystemError) -> FilePath {
        guard RestoreTarget.isSafeName(name) else { throw .unsafeName(FilePath.display(name)) }
        return path.appending(name)
    }

    /// Runs `create` on `name`; if something is already there (EEXIST), removes it and runs
    /// `create` once more. A second EEXIST means someone is racing the restore, and fails.
    @discardableResult
    private func replacing<Result>(
        _ name: [UInt8], _ create: (UnsafePointer<CChar>) throws(Errno) -> Result
    ) throws(Errno) -> Result {
        try withNULTerminated(name) { cName throws(Errno) in
            do throws(Errno) {
                return try create(cName)
            } catch where error.code == EEXIST {
                try remove(cName)
                return try create(cName)
            }
        }
    }

    /// Removes the entry `name` (an empty directory too); one that is already gone is fine.
    private func remove(_ name: UnsafePointer<CChar>) throws(Errno) {
        do throws(Errno) {
            try directory.removeEntry(name)
        } catch where error.code == EISDIR {
            try directory.removeEntry(name, directory: true)
        } catch where error.code == ENOENT {
            return
        }
    }
}
