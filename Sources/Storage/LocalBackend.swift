import Posix
#if canImport(Glibc)
import Glibc
#endif

/// A repository in a local directory (or a mounted network filesystem).
///
/// Every path is resolved against a descriptor of the repository directory opened once, so
/// the backend keeps working on the directory it opened even if the path later names
/// something else, and a disk unmounted under it fails loudly instead of looking empty.
/// Files and directories are private to the owner (0600, 0700): objects are encrypted,
/// but their names, sizes and number still tell something about what is backed up.
public final class LocalBackend: Backend {
    public let location: String
    private let root: FileDescriptor

    private static let fileMode: mode_t = 0o600
    private static let directoryMode: mode_t = 0o700

    /// Creates the repository's directory (and its parents) with the directory of every
    /// kind and the 256 shards of each sharded kind. The caller then writes `config`;
    /// until it does, creating again at the same place is allowed.
    public static func create(at path: String) throws(BackendError) -> LocalBackend {
        let location = normalized(path)
        // Nothing there yet (or unreadable): creating it says what is wrong.
        if let status = try? FileDescriptor.workingDirectory.status(of: location), status.st_mode & S_IFMT != S_IFDIR {
            throw .notADirectory(location: location)
        }
        do throws(Errno) {
            try FileDescriptor.makeDirectoryAndParents(location, mode: directoryMode)
        } catch {
            throw BackendError(error, "create directory", location)
        }
        let backend = try LocalBackend(opening: location)
        if try backend.stat(.config) != nil { throw .alreadyExists(location: location) }
        try backend.makeKindDirectories()
        return backend
    }

    /// Opens the repository at `path`, which must hold a `config`.
    public convenience init(existingAt path: String) throws(BackendError) {
        try self.init(opening: LocalBackend.normalized(path))
        if try stat(.config) == nil { throw .repositoryNotFound(location: location) }
    }

    /// The other backup program whose repository this directory is ("restic", "borg"), or
    /// nil. Asked only once its `config` turned out not to be ours (docs/format.md): restic
    /// keeps a `config` beside `keys/`, `data/`, `snapshots/`, `index/` and `locks/` (and,
    /// unlike ours, no `tree/`); borg
    /// a `README` saying so and an INI `config` with a `[repository]` section.
    public func foreignRepositoryKind() -> String? {
        if let readme = try? readEntry("README"),
           readme.starts(with: Array("This is a Borg Backup repository".utf8)),
           let config = try? readEntry("config"),
           String(decoding: config, as: UTF8.self).contains("[repository]") {
            return "borg"
        }
        let resticDirectories = ["keys", "data", "snapshots", "index", "locks"]
        let isDirectory = { (name: String) -> Bool in
            guard let status = try? self.root.status(of: name) else { return false }
            return status.st_mode & S_IFMT == S_IFDIR
        }
        // Ours has these directories too, but also `tree/` (restic keeps trees in `data/`):
        // a damaged config of ours stays damage.
        if (try? stat(.config)) != nil, resticDirectories.allSatisfy(isDirectory), !isDirectory(ObjectKind.treePack.rawValue) {
            return "restic"
        }
        return nil
    }

    /// The first 64 KiB of the file `name` in the repository directory.
    private func readEntry(_ name: String) throws(Errno) -> [UInt8] {
        let file = try FileDescriptor.open(name, relativeTo: root, flags: O_RDONLY)
        defer { try? file.close() }
        return try file.read(count: min(try file.size(), 65_536), at: 0)
    }

    private init(opening location: String) throws(BackendError) {
        do throws(Errno) {
            root = try FileDescriptor.open(location, flags: O_RDONLY | O_DIRECTORY)
        } catch {
            if error == .noSuchFile || error == .notDirectory { throw .repositoryNotFound(location: location) }
            throw BackendError(error, "open", location)
        }
        self.location = location
    }

    deinit {
        try? root.close()
    }

    // MARK: Backend

    public func list(_ kind: ObjectKind) throws(BackendError) -> [ObjectInfo] {
        if kind == .config { return try stat(.config).map { [$0] } ?? [] }
        do throws(Errno) {
            guard kind.isSharded else { return try objects(in: kind.rawValue, kind: kind, shard: nil) }
            var found: [ObjectInfo] = []
            let shards = try DirectoryStream(kind.rawValue, relativeTo: root)
            while let shard = try shards.next() {
                guard LocalLayout.isShard(shard) else { continue }
                found += try objects(in: "\(kind.rawValue)/\(shard)", kind: kind, shard: shard)
            }
            return found
        } catch {
            // A kind added to the format after the repository was made has no directory
            // yet: it holds nothing. Any other missing directory is damage, not emptiness.
            if error == .noSuchFile && LocalLayout.addedLater.contains(kind) { return [] }
            throw BackendError(error, "list", fullPath(kind.rawValue))
        }
    }

    public func read(_ name: ObjectName) throws(BackendError) -> [UInt8] {
        let file = try open(name)
        defer { try? file.close() }
        let size: Int
        let bytes: [UInt8]
        do throws(Errno) {
            size = try file.size()
            bytes = try file.read(count: size, at: 0)
        } catch {
            throw BackendError(error, "read", fullPath(name.path))
        }
        if bytes.count < size { throw .truncated(name, expected: size, actual: bytes.count) }
        return bytes
    }

    public func read(_ name: ObjectName, range: Range<Int>) throws(BackendError) -> [UInt8] {
        var bytes: [UInt8] = []
        try read(name, range: range, into: &bytes)
        return bytes
    }

    public func read(_ name: ObjectName, range: Range<Int>, into buffer: inout [UInt8]) throws(BackendError) {
        guard range.lowerBound >= 0 else { throw .io(operation: "read", path: fullPath(name.path), errno: EINVAL) }
        let file = try open(name)
        defer { try? file.close() }
        do throws(Errno) {
            // Sized from the file, not the range, so that an absurd range cannot make the
            // allocation crash the process.
            let size = try file.size()
            let available = max(0, min(range.upperBound, size) - range.lowerBound)
            if buffer.count > available {
                buffer.removeLast(buffer.count - available)  // keeps the capacity
            } else if buffer.count < available {
                buffer.append(contentsOf: repeatElement(0, count: available - buffer.count))
            }
            var failure: Errno?
            let count = buffer.withUnsafeMutableBytes { bytes in
                do throws(Errno) { return try file.read(into: bytes, at: range.lowerBound) } catch {
                    failure = error
                    return 0
                }
            }
            if let failure { throw failure }
            if count < buffer.count { buffer.removeLast(buffer.count - count) }
        } catch {
            throw BackendError(error, "read", fullPath(name.path))
        }
        if buffer.count < range.count { throw .truncated(name, expected: range.count, actual: buffer.count) }
    }

    /// Writes a temporary file beside the object, syncs it, renames it over the name and
    /// syncs the directory: a crash at any point leaves the old state or the whole object,
    /// and once this returns the object survives a power loss. Rewriting an existing
    /// object (same name, so the same bytes) goes through the same steps.
    public func write(_ name: ObjectName, _ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        guard name.isValid else { throw .invalidName(name) }
        let directory = LocalLayout.directory(of: name)
        let temporary = "\(directory)/\(LocalLayout.temporaryName())"
        let file: FileDescriptor
        do throws(Errno) {
            file = try createTemporaryFile(temporary, in: directory)
        } catch {
            throw BackendError(error, "write", fullPath(name.path))
        }
        do throws(Errno) {
            try LocalBackend.fill(file, with: bytes)
            try root.rename(temporary, to: name.path)
        } catch {
            try? root.removeFile(temporary)
            throw BackendError(error, "write", fullPath(name.path))
        }
        try syncDirectory(directory)
    }

    public var streamsObjects: Bool { true }

    /// A temporary file in the kind's directory; `commit` renames it into its shard.
    public func makeStream(_ kind: ObjectKind) throws(BackendError) -> ObjectStream? {
        let directory = kind == .config ? "." : kind.rawValue
        let temporary = "\(directory)/\(LocalLayout.temporaryName())"
        do throws(Errno) {
            return LocalObjectStream(backend: self, file: try createTemporaryFile(temporary, in: directory), temporary: temporary)
        } catch {
            throw BackendError(error, "write", fullPath(temporary))
        }
    }

    /// Ends a stream: syncs and closes its temporary file, renames it to `name` and syncs
    /// the directory, as `write` does.
    func commit(_ file: FileDescriptor, temporary: String, as name: ObjectName) throws(BackendError) {
        guard name.isValid else {
            try? file.close()
            removeTemporary(temporary)
            throw .invalidName(name)
        }
        let directory = LocalLayout.directory(of: name)
        do throws(Errno) {
            try file.syncAndClose()
            try rename(temporary, to: name.path, creating: directory)
        } catch {
            removeTemporary(temporary)
            throw BackendError(error, "write", fullPath(name.path))
        }
        try syncDirectory(directory)
    }

    func removeTemporary(_ temporary: String) { try? root.removeFile(temporary) }

    func streamError(_ error: Errno, _ operation: String, _ temporary: String) -> BackendError {
        BackendError(error, operation, fullPath(temporary))
    }

    func closedStream(_ temporary: String) -> BackendError {
        .io(operation: "write", path: fullPath(temporary), errno: EBADF)
    }

    /// Renames into `directory`, recreating it if a copy of the repository dropped it.
    private func rename(_ source: String, to destination: String, creating directory: String) throws(Errno) {
        do throws(Errno) {
            try root.rename(source, to: destination)
        } catch {
            guard error == .noSuchFile else { throw error }
            try makeDirectories(directory)
            try root.rename(source, to: destination)
        }
    }

    /// Syncs the directory after removing, so that a later step that relies on the removal
    /// (prune deleting packs once the index objects naming them are gone) cannot be
    /// undone by a crash while that step survives.
    public func delete(_ name: ObjectName) throws(BackendError) {
        guard name.isValid else { throw .invalidName(name) }
        do throws(Errno) {
            try root.removeFile(name.path)
        } catch {
            if error == .noSuchFile || error == .notDirectory { return }
            throw BackendError(error, "delete", fullPath(name.path))
        }
        try syncDirectory(LocalLayout.directory(of: name))
    }

    public func stat(_ name: ObjectName) throws(BackendError) -> ObjectInfo? {
        guard name.isValid else { throw .invalidName(name) }
        do throws(Errno) {
            return ObjectInfo(name: name, size: Int(try root.status(of: name.path).st_size))
        } catch {
            if error == .noSuchFile || error == .notDirectory { return nil }
            throw BackendError(error, "stat", fullPath(name.path))
        }
    }

    /// Removes temporary files not modified for `seconds`: the remains of writes cut short
    /// by a crash. A write in progress keeps touching its file, so a generous age never
    /// removes one. Never throws: a directory or file that cannot be read or removed now
    /// is tried again next time.
    public func removeIncompleteWrites(of kinds: Set<ObjectKind>, olderThan seconds: Double) throws(BackendError) -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let cutoff = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - seconds
        var removed = 0
        for directory in temporaryFileDirectories(of: kinds) {
            guard let entries = try? DirectoryStream(directory, relativeTo: root) else { continue }
            while let entry = try? entries.next() {
                guard entry.hasPrefix(LocalLayout.temporaryPrefix),
                      let status = try? entries.descriptor.status(of: entry),
                      Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9 < cutoff,
                      (try? entries.descriptor.removeFile(entry)) != nil
                else { continue }
                removed += 1
            }
        }
        return removed
    }

    // MARK: Helpers

    /// The regular files named like objects of `kind` in `directory` (entries of `shard`
    /// when given), with their sizes. Anything else is a stranger and skipped.
    private func objects(in directory: String, kind: ObjectKind, shard: String?) throws(Errno) -> [ObjectInfo] {
        let entries = try DirectoryStream(directory, relativeTo: root)
        var found: [ObjectInfo] = []
        while let entry = try entries.next() {
            guard ObjectName.isValidID(entry), shard.map({ entry.hasPrefix($0) }) ?? true else { continue }
            let status: stat
            do throws(Errno) {
                status = try entries.descriptor.status(of: entry)
            } catch {
                if error == .noSuchFile { continue }  // deleted since readdir saw it
                throw error
            }
            guard status.st_mode & S_IFMT == S_IFREG else { continue }
            found.append(ObjectInfo(name: ObjectName(kind, entry), size: Int(status.st_size)))
        }
        return found
    }

    private func open(_ name: ObjectName) throws(BackendError) -> FileDescriptor {
        guard name.isValid else { throw .invalidName(name) }
        do throws(Errno) {
            return try FileDescriptor.open(name.path, relativeTo: root, flags: O_RDONLY)
        } catch {
            if error == .noSuchFile || error == .notDirectory { throw .notFound(name) }
            throw BackendError(error, "open", fullPath(name.path))
        }
    }

    /// Creates the temporary file; recreates a missing kind or shard directory first, as a
    /// copy of the repository by a tool that drops empty directories would lack them.
    private func createTemporaryFile(_ path: String, in directory: String) throws(Errno) -> FileDescriptor {
        let flags = O_WRONLY | O_CREAT | O_EXCL
        do throws(Errno) {
            return try FileDescriptor.open(path, relativeTo: root, flags: flags, mode: Self.fileMode)
        } catch {
            guard error == .noSuchFile else { throw error }
        }
        try makeDirectories(directory)
        return try FileDescriptor.open(path, relativeTo: root, flags: flags, mode: Self.fileMode)
    }

    /// Creates `directory` and its missing parents under the root, syncing each parent.
    private func makeDirectories(_ directory: String) throws(Errno) {
        var parent = "."
        for component in directory.split(separator: "/") {
            let child = parent == "." ? String(component) : "\(parent)/\(component)"
            if try root.makeDirectory(child, mode: Self.directoryMode) { try root.syncDirectory(parent) }
            parent = child
        }
    }

    /// Writes `bytes` into `file` and syncs them, then closes the file whatever happened.
    private static func fill(_ file: FileDescriptor, with bytes: UnsafeRawBufferPointer) throws(Errno) {
        do throws(Errno) {
            try file.writeAll(bytes)
            try file.sync()
        } catch {
            try? file.close()
            throw error
        }
        try file.close()
    }

    private func makeKindDirectories() throws(BackendError) {
        for kind in LocalLayout.kindDirectories {
            let directory = kind.rawValue
            do throws(Errno) {
                try root.makeDirectory(directory, mode: Self.directoryMode)
                if kind.isSharded {
                    for shard in LocalLayout.shards {
                        try root.makeDirectory("\(directory)/\(shard)", mode: Self.directoryMode)
                    }
                }
            } catch {
                throw BackendError(error, "create directory", fullPath(directory))
            }
            try syncDirectory(directory)
        }
        try syncDirectory(".")
    }

    private func syncDirectory(_ directory: String) throws(BackendError) {
        do throws(Errno) {
            try root.syncDirectory(directory)
        } catch {
            throw BackendError(error, "sync directory", fullPath(directory))
        }
    }

    /// Where writes of `kinds` put temporary files: their directories and every shard
    /// present, and the root for config.
    private func temporaryFileDirectories(of kinds: Set<ObjectKind>) -> [String] {
        var directories = kinds.contains(.config) ? ["."] : []
        for kind in LocalLayout.kindDirectories where kinds.contains(kind) {
            directories.append(kind.rawValue)
            guard kind.isSharded, let shards = try? DirectoryStream(kind.rawValue, relativeTo: root) else { continue }
            while let shard = try? shards.next() {
                if LocalLayout.isShard(shard) { directories.append("\(kind.rawValue)/\(shard)") }
            }
        }
        return directories
    }

    /// `relative` under the repository, for messages.
    private func fullPath(_ relative: String) -> String {
        relative == "." ? location : location == "/" ? "/\(relative)" : "\(location)/\(relative)"
    }

    /// `path` without trailing slashes, so that messages do not show `repo//data`.
    private static func normalized(_ path: String) -> String {
        var path = Substring(path)
        while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }
}
