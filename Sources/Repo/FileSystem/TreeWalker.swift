#if canImport(Glibc)
import Glibc
#endif
import Posix

/// Walks directory trees depth-first, each directory's entries in bytewise order of their
/// names (the order of tree blobs), and reports every entry with its metadata.
///
/// Directories are opened with `O_NOFOLLOW` and their entries examined relative to the open
/// directory (`fstatat`, `readlinkat`, `openat`), so a directory renamed or replaced by a
/// symlink during the walk cannot lead it outside the tree. A directory's metadata comes from
/// the open directory itself, so it describes what was listed. Problems are reported as
/// `WalkEvent.problem` and the walk goes on; only the visitor can stop it, by throwing.
///
/// Immutable, so one walker can serve several walks at once. The walk is a loop over an
/// explicit stack, not recursion, so depth cannot overflow a thread's stack. It keeps at most
/// `openDirectories` descriptors open however deep the tree: going down, the directory
/// furthest up the stack lets go of its descriptor; coming back up, a directory without one
/// is opened again as `..` of the one it is leaving, and used only if it is the very same
/// directory (device and inode), so a tree moved meanwhile never leads the walk elsewhere.
public final class TreeWalker: Sendable {
    public let rules: ExcludeRules
    public let readXattrs: Bool
    private let reader: MetadataReader
    private let tags: [[UInt8]]
    /// How many directories one walk keeps open at most (tests make it tiny).
    let openDirectories: Int

    public init(rules: ExcludeRules = ExcludeRules(), reader: MetadataReader = MetadataReader(), readXattrs: Bool = true) {
        self.rules = rules
        self.reader = reader
        self.readXattrs = readXattrs
        self.tags = rules.excludeIfPresent.map { Array($0.utf8) }
        self.openDirectories = 64
    }

    init(rules: ExcludeRules = ExcludeRules(), readXattrs: Bool = true, openDirectories: Int) {
        self.rules = rules
        self.reader = MetadataReader()
        self.readXattrs = readXattrs
        self.tags = rules.excludeIfPresent.map { Array($0.utf8) }
        self.openDirectories = max(1, openDirectories)
    }

    /// Walks each root in the order given. A root that is a symlink is reported as one, not
    /// followed, and `rules` never exclude a root. `known` gives the attributes of entries
    /// below the roots that need not be read again (asked just before the entry is visited).
    public func walk<Failure: Error>(_ roots: [FilePath], known: MetadataReader.KnownAttributes = { _, _ in nil },
                                     _ visit: (WalkEvent) throws(Failure) -> Void) throws(Failure) {
        for root in roots {
            let metadata: FileMetadata
            do {
                metadata = try reader.metadata(atPath: root, readXattrs: readXattrs)
            } catch {
                try visit(.problem(root, error))
                continue
            }
            guard metadata.type == .directory else {
                try visit(.entry(root, metadata))
                continue
            }
            let opened = Result<FileDescriptor, Errno> { () throws(Errno) in
                try withNULTerminated(root.bytes) { path throws(Errno) in
                    try FileDescriptor.workingDirectory.openEntry(path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                }
            }
            guard let top = try descend(into: root, metadata, opened, checkTags: false, known: { _, _ in nil }, visit) else { continue }
            var paths = PathStack(root)
            var stack = [top]
            /// The directories from here to the top of the stack hold a descriptor; those
            /// below let go of theirs.
            var firstOpen = 0
            while let directory = stack.last {
                guard let name = directory.nextName() else {
                    stack.removeLast()
                    try visit(.leave(paths.path, directory.metadata))
                    guard let parent = stack.last else { continue }
                    paths.pop()
                    if parent.descriptor == nil {
                        if let problem = parent.reopen(from: directory) {
                            try visit(.problem(paths.path, problem.error("go back up to directory", paths.path.description)))
                            firstOpen = stack.count
                        } else {
                            firstOpen = stack.count - 1
                        }
                    }
                    continue
                }
                guard let descriptor = directory.descriptor else { continue }
                let path = paths.child(name)
                switch examine(name, path: path, in: descriptor.descriptor, rootDevice: metadata.device, known: known) {
                case .excluded:
                    break
                case .entry(let metadata):
                    try visit(.entry(path, metadata))
                case .mountPoint(let metadata):
                    try visit(.enter(path, metadata))
                    try visit(.leave(path, metadata))
                case .directory(let metadata, let opened):
                    if let child = try descend(into: path, metadata, opened, checkTags: true, known: known, visit) {
                        paths.push(name)
                        stack.append(child)
                        if stack.count - firstOpen > openDirectories {
                            stack[firstOpen].letGo()
                            firstOpen += 1
                        }
                    }
                case .problem(let error):
                    try visit(.problem(path, error))
                }
            }
        }
    }

    /// What an entry turned out to be.
    private enum Examined {
        case excluded
        case entry(FileMetadata)
        /// A directory on another file system, under `ExcludeRules.oneFileSystem`.
        case mountPoint(FileMetadata)
        /// Metadata from `lstat` without attributes, and the result of opening the directory.
        case directory(FileMetadata, Result<FileDescriptor, Errno>)
        case problem(FileSystemError)
    }

    private func examine(_ name: [UInt8], path: FilePath, in directory: FileDescriptor, rootDevice: UInt64,
                         known: MetadataReader.KnownAttributes) -> Examined {
        do throws(Errno) {
            let status = try reader.status(of: name, in: directory)
            let isDirectory = status.st_mode & S_IFMT == S_IFDIR
            if rules.excludes(path, isDirectory: isDirectory) { return .excluded }
            guard isDirectory else {
                return .entry(try reader.metadata(status, of: name, in: directory, path: path, readXattrs: readXattrs, known: known))
            }
            if rules.oneFileSystem && UInt64(status.st_dev) != rootDevice {
                return .mountPoint(try reader.metadata(status, of: name, in: directory, path: path, readXattrs: readXattrs))
            }
            let metadata = try reader.metadata(status, of: name, in: directory, path: path, readXattrs: false)
            let opened = Result<FileDescriptor, Errno> { () throws(Errno) in
                try withNULTerminated(name) { name throws(Errno) in
                    try directory.openEntry(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                }
            }
            if case .failure(let error) = opened, error.code == ENOENT { throw error }
            return .directory(metadata, opened)
        } catch {
            return .problem(error.code == ENOENT ? .vanished(path.description) : error.error("read metadata of", path.description))
        }
    }

    /// Reports `enter` for a directory and returns it to be walked; nil when it is excluded by
    /// a tag or cannot be listed (then reported as `enter`, the problem, `leave`).
    /// `fallback` is its metadata from `lstat`, used when the open directory cannot say.
    private func descend<Failure: Error>(
        into path: FilePath, _ fallback: FileMetadata, _ opened: Result<FileDescriptor, Errno>, checkTags: Bool,
        known: MetadataReader.KnownAttributes, _ visit: (WalkEvent) throws(Failure) -> Void
    ) throws(Failure) -> Directory? {
        let listing: DirectoryListing
        let metadata: FileMetadata
        let descriptor: FileDescriptor
        do throws(Errno) {
            descriptor = try opened.get()
            if checkTags && tags.contains(where: { DirectoryTag.isPresent($0, in: descriptor) }) {
                try? descriptor.close()
                return nil
            }
            do {
                metadata = try reader.metadata(descriptor: descriptor, path: path, readXattrs: readXattrs, known: known)
            } catch {
                try? descriptor.close()
                throw error
            }
            do {
                listing = try DirectoryListing(descriptor: descriptor)
            } catch {
                try? descriptor.close()
                throw error
            }
        } catch {
            try visit(.enter(path, fallback))
            try visit(.problem(path, error.error("read directory", path.description)))
            try visit(.leave(path, fallback))
            return nil
        }
        try visit(.enter(path, metadata))
        if let readError = listing.readError {
            try visit(.problem(path, readError.error("read directory", path.description)))
        }
        return Directory(metadata: metadata, names: listing.names, descriptor: OwnedDescriptor(descriptor))
    }

    /// A directory being walked: the position in its sorted names, and its descriptor for the
    /// `*at` calls on them while it holds one.
    private final class Directory {
        let metadata: FileMetadata
        private let names: [[UInt8]]
        private var next = 0
        private(set) var descriptor: OwnedDescriptor?

        init(metadata: FileMetadata, names: [[UInt8]], descriptor: OwnedDescriptor) {
            self.metadata = metadata
            self.names = names
            self.descriptor = descriptor
        }

        func nextName() -> [UInt8]? {
            guard next < names.count else { return nil }
            defer { next += 1 }
            return names[next]
        }

        /// Closes the descriptor until `reopen` (the walk is further down).
        func letGo() { descriptor = nil }

        /// Opens this directory again as `..` of `child`; fails (ESTALE) if `..` is no longer
        /// this directory, or `child` could not go back up either: the tree was moved
        /// meanwhile, and the names left here are given up rather than looked for elsewhere.
        func reopen(from child: Directory) -> Errno? {
            do throws(Errno) {
                guard let below = child.descriptor else { throw Errno(ESTALE) }
                let opened = OwnedDescriptor(try withNULTerminated(Array("..".utf8)) { name throws(Errno) in
                    try below.descriptor.openEntry(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                })
                let status = try opened.descriptor.status()
                guard UInt64(status.st_dev) == metadata.device, UInt64(status.st_ino) == metadata.inode else { throw Errno(ESTALE) }
                descriptor = opened
                return nil
            } catch {
                next = names.count
                return error
            }
        }
    }
}
