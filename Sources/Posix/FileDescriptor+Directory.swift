#if canImport(Glibc)
import Glibc
#endif

/// Operations on entries of an open directory (the `*at` system calls), so that the local
/// backend, the walk and the restore resolve every name against a directory they opened
/// rather than the working directory or whatever a path names by then. Entries are named
/// by C strings (`withNULTerminated`) where names are bytes, by `String` where they are
/// the backend's own paths.
extension FileDescriptor {
    /// Opens the entry `name` (a C string) of this directory; see `open(_:relativeTo:flags:mode:)`.
    public func openEntry(_ name: UnsafePointer<CChar>, flags: Int32, mode: mode_t = 0) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try retryingOnInterrupt { openat(rawValue, name, flags | O_CLOEXEC, mode) })
    }

    /// The status of the entry `name` (a C string) of this directory, of a symlink itself
    /// unless `followingSymlink`.
    public func status(ofEntry name: UnsafePointer<CChar>, followingSymlink: Bool = false) throws(Errno) -> stat {
        var status = stat()
        try retryingOnInterrupt { fstatat(rawValue, name, &status, followingSymlink ? 0 : AT_SYMLINK_NOFOLLOW) }
        return status
    }

    /// Creates the directory entry `name` with `mode`; fails (EEXIST) if something is there.
    public func makeDirectory(entry name: UnsafePointer<CChar>, mode: mode_t) throws(Errno) {
        try retryingOnInterrupt { mkdirat(rawValue, name, mode) }
    }

    /// Creates the symlink `name` pointing at `target`, stored as given.
    public func makeSymlink(entry name: UnsafePointer<CChar>, target: UnsafePointer<CChar>) throws(Errno) {
        try retryingOnInterrupt { symlinkat(target, rawValue, name) }
    }

    /// Creates `name` as a hard link to the entry `existing` of `directory`, not following it.
    public func makeHardLink(entry name: UnsafePointer<CChar>, to existing: UnsafePointer<CChar>,
                             in directory: FileDescriptor) throws(Errno) {
        try retryingOnInterrupt { linkat(directory.rawValue, existing, rawValue, name, 0) }
    }

    /// Creates the FIFO, socket or device node `name` (`mode` holds its type bits).
    public func makeNode(entry name: UnsafePointer<CChar>, mode: mode_t, device: dev_t) throws(Errno) {
        try retryingOnInterrupt { mknodat(rawValue, name, mode, device) }
    }

    /// Removes the entry `name`: a file, or with `directory` an empty directory.
    public func removeEntry(_ name: UnsafePointer<CChar>, directory: Bool = false) throws(Errno) {
        try retryingOnInterrupt { unlinkat(rawValue, name, directory ? AT_REMOVEDIR : 0) }
    }

    /// Creates the directory `path`; one that already exists is not an error. Returns
    /// whether it was created, so the caller knows the parent needs syncing.
    @discardableResult
    public func makeDirectory(_ path: String, mode: mode_t) throws(Errno) -> Bool {
        if mkdirat(rawValue, path, mode) == 0 { return true }
        let error = Errno.current
        guard error == .exists else { throw error }
        return false
    }

    /// Renames `source` to `destination`, replacing it atomically if it exists.
    public func rename(_ source: String, to destination: String) throws(Errno) {
        if renameat(rawValue, source, rawValue, destination) != 0 { throw .current }
    }

    /// Removes the file `path`.
    public func removeFile(_ path: String) throws(Errno) {
        if unlinkat(rawValue, path, 0) != 0 { throw .current }
    }

    /// The status of `path`, following a symbolic link as `open` would.
    public func status(of path: String) throws(Errno) -> stat {
        var status = stat()
        if fstatat(rawValue, path, &status, 0) != 0 { throw .current }
        return status
    }

    /// Flushes the directory `path` itself, which makes the creation, renaming or removal
    /// of its entries durable: fsync of a file does not cover its name.
    public func syncDirectory(_ path: String) throws(Errno) {
        try FileDescriptor.open(path, relativeTo: self, flags: O_RDONLY | O_DIRECTORY).syncAndClose()
    }

    /// `mkdir -p`: creates `path` and its missing parents with `mode`, syncing the parent of
    /// each directory it creates so that the new entry is as durable as what goes inside.
    public static func makeDirectoryAndParents(_ path: String, mode: mode_t) throws(Errno) {
        let workingDirectory = FileDescriptor.workingDirectory
        var prefix = path.hasPrefix("/") ? "/" : ""
        var parent = path.hasPrefix("/") ? "/" : "."
        for component in path.split(separator: "/") {
            prefix += prefix.isEmpty || prefix.hasSuffix("/") ? String(component) : "/\(component)"
            if try workingDirectory.makeDirectory(prefix, mode: mode) { try workingDirectory.syncDirectory(parent) }
            parent = prefix
        }
    }
}

extension FileDescriptor {
    /// Opens `path` relative to this directory even when it is longer than the kernel takes
    /// (`PATH_MAX`, a file deep in a tree): the longest leading part that fits is opened as a
    /// directory, then each further directory with `O_NOFOLLOW`, then the last name with
    /// `flags`. A shorter path is opened at once.
    public func openEntry(longPath path: [UInt8], flags: Int32, mode: mode_t = 0) throws(Errno) -> FileDescriptor {
        let separator = UInt8(ascii: "/")
        guard path.count >= Int(PATH_MAX) else {
            return try withNULTerminated(path) { name throws(Errno) in try openEntry(name, flags: flags, mode: mode) }
        }
        let names = path.split(separator: separator).map(Array.init)
        guard let last = names.last else { throw Errno(ENAMETOOLONG) }
        var prefix: [UInt8] = path.first == separator ? [separator] : []
        var used = 0
        while used < names.count - 1 {
            let longer = prefix + (prefix.last == separator || prefix.isEmpty ? [] : [separator]) + names[used]
            guard longer.count < Int(PATH_MAX) else { break }
            prefix = longer
            used += 1
        }
        var directory = self
        var owned = false
        defer { if owned { try? directory.close() } }
        if !prefix.isEmpty {
            directory = try withNULTerminated(prefix) { name throws(Errno) in
                try openEntry(name, flags: O_RDONLY | O_DIRECTORY)
            }
            owned = true
        }
        for name in names[used..<(names.count - 1)] {
            let next = try withNULTerminated(name) { name throws(Errno) in
                try directory.openEntry(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            }
            if owned { try? directory.close() }
            directory = next
            owned = true
        }
        return try withNULTerminated(last) { name throws(Errno) in try directory.openEntry(name, flags: flags, mode: mode) }
    }
}
