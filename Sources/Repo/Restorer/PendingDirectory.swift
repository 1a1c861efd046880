/// A directory that is created only when something is restored into it, so that an
/// `--include` does not leave empty copies of every directory it passed through. Once
/// created it is numbered in `RestoreDirectories`, where files planned into it find it again.
final class PendingDirectory {
    private var made: (directory: RestoreDirectory, number: Int32)?
    private let parent: PendingDirectory?
    private let name: [UInt8]
    private let directories: RestoreDirectories

    /// The restore target itself.
    init(root: RestoreDirectory, directories: RestoreDirectories) {
        made = (root, RestoreDirectories.root)
        parent = nil
        name = []
        self.directories = directories
    }

    init(parent: PendingDirectory, name: [UInt8]) {
        self.parent = parent
        self.name = name
        directories = parent.directories
    }

    /// The directory, created (with its parents) on first use.
    func get() throws(FileSystemError) -> (directory: RestoreDirectory, number: Int32) {
        if let made { return made }
        let parentMade = try parent!.get()
        let directory = try parentMade.directory.makeDirectory(name)
        let number = directories.add(directory, name: name, parent: parentMade.number)
        made = (directory, number)
        return (directory, number)
    }
}
