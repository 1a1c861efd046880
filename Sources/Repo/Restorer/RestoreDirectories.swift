import Foundation
import Synchronization

/// The directories a restore has created, by number (0 is the target itself), and a few of
/// them kept open.
///
/// Files are written long after the walk that created their directories has moved on, and a
/// large tree has far more directories than a process may hold open, so a directory is
/// remembered as its parent's number and its name, and opened again from the nearest open
/// ancestor when a file in it needs it. Each step opens one name with `O_NOFOLLOW`
/// (`RestoreDirectory.openDirectory`), so a symlink put in place of a directory since it was
/// created is never followed.
///
/// Thread-safe: workers open files in any directory at once.
final class RestoreDirectories: Sendable {
    private struct Entry {
        let parent: Int32
        let name: [UInt8]
        /// To know it again when opened as `..` of a child (`directory(_:below:)`).
        var identity: FileIdentity?
    }

    private struct State {
        var entries: [Entry]
        var open: HandleCache<RestoreDirectory>

        /// The directory `number`, opened again from its nearest open ancestor if it is not
        /// open: the names from there down, one at a time (a loop, not recursion, as a tree
        /// may be deeper than a worker thread's stack allows).
        mutating func opened(_ number: Int32) throws(FileSystemError) -> RestoreDirectory {
            var missing: [Int32] = []
            var current = number
            var directory: RestoreDirectory
            while true {
                if let found = open.get(current) {
                    directory = found
                    break
                }
                missing.append(current)
                current = entries[Int(current)].parent
            }
            for below in missing.reversed() {
                directory = try directory.openDirectory(entries[Int(below)].name)
                open.insert(directory, below)
            }
            return directory
        }
    }

    private let state: Mutex<State>

    static let root: Int32 = 0

    init(root: RestoreDirectory, capacity: Int = 64) {
        var open = HandleCache<RestoreDirectory>(capacity: capacity, pinned: Self.root)
        open.insert(root, Self.root)
        state = Mutex(State(entries: [Entry(parent: -1, name: [], identity: nil)], open: open))
    }

    /// Records a directory just created in `parent`, open as `directory`; returns its number.
    func add(_ directory: RestoreDirectory, name: [UInt8], parent: Int32) -> Int32 {
        let identity = try? directory.identity()
        return state.withLock { state in
            state.entries.append(Entry(parent: parent, name: name, identity: identity))
            let number = Int32(state.entries.count - 1)
            state.open.insert(directory, number)
            return number
        }
    }

    /// The directory `number`, opened again if it is not open.
    func directory(_ number: Int32) throws(FileSystemError) -> RestoreDirectory {
        try state.withLock { state throws(FileSystemError) in try state.opened(number) }
    }

    /// The directory `number`, which is the parent of `child`: when it is not open but
    /// `child` is, opened as `..` of `child` (if it is still the same directory) rather than
    /// from its nearest open ancestor, so that going up a deep tree a level at a time (setting
    /// directories' metadata, children first) costs one step a level.
    func directory(_ number: Int32, below child: Int32) throws(FileSystemError) -> RestoreDirectory {
        try state.withLock { state throws(FileSystemError) in
            if let found = state.open.get(number) { return found }
            if state.entries[Int(child)].parent == number, let identity = state.entries[Int(number)].identity,
               let below = state.open.get(child), let parent = try? below.openParent(expected: identity) {
                state.open.insert(parent, number)
                return parent
            }
            return try state.opened(number)
        }
    }

    /// The directory's path in the snapshot (`/a/b`), for messages and selection.
    func snapshotPath(_ number: Int32) -> FilePath {
        FilePath(bytes: [FilePath.separator] + relativePath(number).bytes)
    }

    /// The directory's path relative to the target (`a/b`; empty for the target).
    func relativePath(_ number: Int32) -> FilePath {
        let names = state.withLock { state in
            var names: [[UInt8]] = []
            var current = number
            while current > 0 {
                names.append(state.entries[Int(current)].name)
                current = state.entries[Int(current)].parent
            }
            return names
        }
        return FilePath(bytes: Array(names.reversed().joined(separator: [FilePath.separator])))
    }
}
