import Crypto
import Workers

/// The first phase of a restore, on one thread: walks the snapshot's trees in order,
/// applying `--include` and `--exclude`, creates the directories, symlinks and special
/// files, keeps files that are already there with the right content, and plans the rest:
/// which blobs go where (`RestorePlan`). Regular files are created later, by the workers
/// that write them; hard links are made once everything is written.
///
/// Every name from the repository has been validated when its tree was decoded, and every
/// entry is made through `RestoreDirectory`, which never follows a symlink inside the target.
final class RestorePlanner {
    private let repository: Repository
    private let options: RestoreOptions
    private let directories: RestoreDirectories
    private let tally: RestoreTally
    private let check: ContentCheck
    private let progress: (() -> Void)?
    private let cancellation: Cancellation
    private(set) var plan = RestorePlan()
    /// First restored path of each hard-linked inode, relative to the target.
    /// The first name of each hard-linked inode, and its number in the plan's files if it is written.
    private var hardLinks: [[UInt64]: (path: FilePath, file: Int?)] = [:]

    init(repository: Repository, options: RestoreOptions, directories: RestoreDirectories, tally: RestoreTally,
         cancellation: Cancellation, progress: (() -> Void)?) {
        self.repository = repository
        self.cancellation = cancellation
        self.options = options
        self.directories = directories
        self.tally = tally
        self.progress = progress
        check = ContentCheck(repository: repository, namer: repository.blobs.namer())
    }

    /// Plans the restore of `tree` into the target.
    func plan(_ tree: Digest256, root: RestoreDirectory) throws {
        try walk(tree: tree, into: PendingDirectory(root: root, directories: directories), path: FilePath("/"),
                 included: options.include.isEmpty)
        plan.groupByPack()
    }

    /// Plans the entries of a tree. `path` is the directory's path in the snapshot
    /// (absolute, as include and exclude patterns see it); `included` says an enclosing
    /// directory matched an include pattern, so everything inside is restored.
    private func walk(tree id: Digest256, into directory: PendingDirectory, path: FilePath, included: Bool) throws {
        try cancellation.check()
        // A tree that cannot be read loses what is under it, not the rest: reported and
        // counted as damage (exit 13), and the walk goes on.
        let tree: Tree
        do {
            tree = try repository.loadTree(id)
        } catch where RepositoryDamage.isDamage(error) {
            tally.problem("\(path): directory contents lost: tree blob \(id.hex) is damaged (\(error))")
            tally.damaged(id)
            return
        }
        for node in tree.nodes {
            let childPath = path.appending(node.name)
            let selection = select(childPath, isDirectory: node.type == .directory, included: included)
            if selection == .skip { continue }
            do {
                try plan(node, in: directory, path: childPath, descendOnly: selection == .descend)
            } catch let error as FileSystemError {
                tally.problem("\(childPath): \(error)")
            }
            progress?()
        }
    }

    private func plan(_ node: Node, in pending: PendingDirectory, path: FilePath, descendOnly: Bool) throws {
        if node.type == .directory {
            guard let subtree = node.subtree else { throw FormatError.corrupt(path.description, "directory without tree") }
            let child = PendingDirectory(parent: pending, name: node.name)
            if !descendOnly { _ = try child.get() }
            try walk(tree: subtree, into: child, path: path, included: !descendOnly)
            if !descendOnly {
                tally.update { $0.directories += 1 }
                // Set once everything inside is written: writing into it moves its mtime.
                plan.directories.append(RestorePlan.Directory(number: try child.get().number, metadata: node.metadata, path: path))
            }
            return
        }
        let (directory, number) = try pending.get()
        switch node.type {
        case .directory:
            break
        case .file:
            try planFile(node, in: directory, number: number, path: path)
        case .symlink:
            try directory.makeSymlink(node.name, target: node.linkTarget ?? [])
            note(try directory.applyMetadata(node.metadata, toEntry: node.name), path)
            tally.update { $0.others += 1 }
        case .fifo, .characterDevice, .blockDevice:
            try directory.makeSpecialFile(node.name, type: node.type, rdev: node.rdev)
            note(try directory.applyMetadata(node.metadata, toEntry: node.name), path)
            tally.update { $0.others += 1 }
        case .socket:
            break  // A socket is recreated by the program that listens on it, not by a restore.
        }
    }

    private func planFile(_ node: Node, in directory: RestoreDirectory, number: Int32, path: FilePath) throws {
        tally.update { $0.files += 1 }
        if node.linkCount > 1 {
            let key = [node.device, node.inode]
            if let first = hardLinks[key] {
                plan.hardLinks.append(RestorePlan.HardLink(directory: number, name: node.name, target: first.path, targetFile: first.file,
                                                           path: path))
                return
            }
            hardLinks[key] = (FilePath(bytes: Array(path.bytes.drop { $0 == FilePath.separator })), nil)
        }
        if let file = directory.openExistingFile(node.name), check.matches(node.content, size: node.size, file: file) {
            tally.update { $0.filesUnchanged += 1 }
            note(try directory.applyMetadata(node.metadata, toEntry: node.name), path)
            return
        }
        let missing = plan.addFile(directory: number, node: node, keepContent: options.verify, locate: repository.location(of:))
        if node.linkCount > 1 { hardLinks[[node.device, node.inode]]?.file = plan.files.count - 1 }
        if let missing {
            tally.problem("\(path): \(RepositoryError.blobMissing(missing))")
            tally.damaged(missing)
        }
    }

    private func note(_ problems: [FileSystemError], _ path: FilePath) {
        for problem in problems { tally.problem("\(path): \(problem)") }
    }

    private enum Selection { case restore, descend, skip }

    /// Whether to restore an entry, only pass through it (a directory that may hold
    /// included entries), or skip it.
    private func select(_ path: FilePath, isDirectory: Bool, included: Bool) -> Selection {
        if options.exclude.contains(where: { $0.matches(path, isDirectory: isDirectory) }) { return .skip }
        if included { return .restore }
        if options.include.contains(where: { $0.matches(path, isDirectory: isDirectory) }) { return .restore }
        return isDirectory ? .descend : .skip
    }
}
