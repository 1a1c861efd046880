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
    private let selection: RestoreSelection
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
        selection = RestoreSelection(options: options)
        self.directories = directories
        self.tally = tally
        self.progress = progress
        check = ContentCheck(repository: repository, namer: repository.blobs.namer())
    }

    /// A directory of the snapshot being planned: its entries and how far the walk is.
    private struct Frame {
        var cursor: TreeCursor
        /// An enclosing directory matched an include pattern: everything inside is restored.
        let included: Bool
        /// Its entry in the parent tree (nil for the snapshot's root).
        let node: Node?
        /// Only passed through (it may hold included entries): created only when something
        /// is restored into it, so that an `--include` does not leave empty copies of every
        /// directory it passed through.
        let descendOnly: Bool
        /// Its number in `RestoreDirectories` once created.
        var number: Int32?
    }

    /// The directories being walked, root first; `paths` is the path of the last.
    private var stack: [Frame] = []
    private var paths = PathStack(FilePath("/"))

    /// Plans the restore of `tree` into the target: a depth-first walk over the snapshot's
    /// trees in a loop over `stack`, not by recursion, since a snapshot may be deeper than a
    /// thread's stack allows. Each directory's metadata is planned when the walk leaves it.
    func plan(_ tree: Digest256) throws {
        stack = []
        paths = PathStack(FilePath("/"))
        try enter(tree, node: nil, included: selection.includesAll, descendOnly: false, number: RestoreDirectories.root)
        while !stack.isEmpty {
            let top = stack.count - 1
            guard let node = stack[top].cursor.next() else {
                leave()
                continue
            }
            let childPath = paths.child(node.name)
            let choice = selection.choose(childPath, isDirectory: node.type == .directory, included: stack[top].included)
            if choice == .skip { continue }
            do {
                if try plan(node, path: childPath, descendOnly: choice == .descend) { continue }
            } catch let error as FileSystemError {
                tally.problem("\(childPath): \(error)")
            }
            progress?()
        }
        plan.groupByPack()
    }

    /// Starts walking the tree `id` (a directory entry `node`, or the root). A tree that
    /// cannot be read loses what is under it, not the rest: reported and counted as damage
    /// (exit 13), and the walk goes on.
    private func enter(_ id: Digest256, node: Node?, included: Bool, descendOnly: Bool, number: Int32?) throws {
        try cancellation.check()
        var cursor = TreeCursor(nodes: [])
        do {
            cursor = TreeCursor(try repository.loadTree(id))
        } catch where RepositoryDamage.isDamage(error) {
            tally.problem("\(paths.path): directory contents lost: tree blob \(id.hex) is damaged (\(error))")
            tally.damaged(id)
        }
        stack.append(Frame(cursor: cursor, included: included, node: node, descendOnly: descendOnly, number: number))
    }

    /// Finishes the directory the walk is in: once everything inside is written, its
    /// metadata is set (writing into it moves its mtime).
    private func leave() {
        let done = stack.removeLast()
        guard let node = done.node else { return }
        if !done.descendOnly, let number = done.number {
            tally.update { $0.directories += 1 }
            plan.directories.append(RestorePlan.Directory(number: number, metadata: node.metadata))
        }
        paths.pop()
        progress?()
    }

    /// The directory the walk is in, created (with the directories above it that were only
    /// passed through) if it was not yet.
    private func current() throws(FileSystemError) -> (directory: RestoreDirectory, number: Int32) {
        var made = stack.count - 1
        while stack[made].number == nil { made -= 1 }
        var number = stack[made].number!
        var directory = try directories.directory(number)
        for level in stack.indices.dropFirst(made + 1) {
            let name = stack[level].node!.name
            directory = try directory.makeDirectory(name)
            number = directories.add(directory, name: name, parent: number)
            stack[level].number = number
        }
        return (directory, number)
    }

    /// Plans one entry of the directory the walk is in; true when it is a directory the
    /// walk has just entered.
    private func plan(_ node: Node, path: FilePath, descendOnly: Bool) throws -> Bool {
        if node.type == .directory {
            guard let subtree = node.subtree else { throw FormatError.corrupt(path.description, "directory without tree") }
            var number: Int32?
            if !descendOnly {
                let parent = try current()
                let directory = try parent.directory.makeDirectory(node.name)
                number = directories.add(directory, name: node.name, parent: parent.number)
            }
            paths.push(node.name)
            try enter(subtree, node: node, included: !descendOnly, descendOnly: descendOnly, number: number)
            return true
        }
        let (directory, number) = try current()
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
        return false
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
}
