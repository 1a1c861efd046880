import Glibc
import Testing
@testable import Repo

/// Restoring must never write outside the target, whatever is planted inside it.
@Suite struct RestoreSafetyTests {
    private static let names: [(name: [UInt8], safe: Bool)] = [
        (Array("file".utf8), true), (Array(".hidden".utf8), true), (Array("...".utf8), true), ([0xFF, 0xFE], true),
        (Array("a b\n".utf8), true), ([], false), (Array(".".utf8), false), (Array("..".utf8), false),
        (Array("a/b".utf8), false), (Array("/".utf8), false), ([0x61, 0, 0x62], false), ([0], false),
    ]

    @Test(arguments: names)
    func safeNames(_ name: [UInt8], _ safe: Bool) {
        #expect(RestoreTarget.isSafeName(name) == safe)
    }

    @Test func everyOperationRefusesUnsafeNames() throws {
        let directory = try ScratchTree()
        let root = try RestoreTarget(path: directory.path).root
        let metadata = FileMetadata(type: .fifo, mode: 0o600, uid: 0, gid: 0, mtime: Timestamp(seconds: 0, nanoseconds: 0),
                                    ctime: Timestamp(seconds: 0, nanoseconds: 0), size: 0)
        for name in [[], Array(".".utf8), Array("..".utf8), Array("../escape".utf8), Array("a/b".utf8), Array("x".utf8) + [0]] as [[UInt8]] {
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.makeDirectory(name) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.openDirectory(name) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.createFile(name) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.makeSymlink(name, target: Array("t".utf8)) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.makeSpecialFile(name, type: .fifo) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.makeHardLink(name, to: FilePath("x")) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.applyMetadata(metadata, toEntry: name) }
        }
        try directory("x").writeFile()
        for existing in ["../x", "./x", "a/../x", ""] {
            #expect(throws: FileSystemError.unsafeName(existing)) { try root.makeHardLink(Array("l".utf8), to: FilePath(existing)) }
        }
        #expect(try directory.path.listing() == ["x"])
    }

    @Test func plantedSymlinkToADirectoryIsReplacedNotFollowed() throws {
        let target = try ScratchTree()
        let elsewhere = try ScratchTree()
        try target("dir").makeSymlink(to: elsewhere.path.string!)
        let root = try RestoreTarget(path: target.path).root

        let refused = #expect(throws: FileSystemError.self) { try root.openDirectory(Array("dir".utf8)) }
        guard case .system("open directory", _, let code)? = refused else {
            Issue.record("unexpected \(String(describing: refused))")
            return
        }
        #expect(code == ENOTDIR || code == ELOOP)
        let dir = try root.makeDirectory(Array("dir".utf8))
        let file = try dir.createFile(Array("payload".utf8))
        try file.write(Array("data".utf8), at: 0)
        try dir.makeSymlink(Array("link".utf8), target: Array("/etc/passwd".utf8))
        try dir.makeSpecialFile(Array("fifo".utf8), type: .fifo)

        #expect(try elsewhere.path.listing().isEmpty)
        #expect(try target("dir").status().st_mode & S_IFMT == S_IFDIR)
        #expect(try target("dir").listing() == ["fifo", "link", "payload"])
    }

    @Test func plantedSymlinkToAFileIsReplacedNotWrittenThrough() throws {
        let target = try ScratchTree()
        let elsewhere = try ScratchTree()
        try elsewhere("victim").writeFile("precious")
        try target("file").makeSymlink(to: elsewhere("victim").string!)
        try target("dangling").makeSymlink(to: elsewhere("created").string!)
        let root = try RestoreTarget(path: target.path).root

        try root.createFile(Array("file".utf8)).write(Array("restored".utf8), at: 0)
        try root.createFile(Array("dangling".utf8)).write(Array("restored".utf8), at: 0)

        #expect(try elsewhere.path.listing() == ["victim"])
        #expect(try elsewhere("victim").contents() == "precious")
        #expect(try target("file").status().st_mode & S_IFMT == S_IFREG)
        #expect(try target("file").contents() == "restored")
    }

    @Test func plantedHardLinkIsNotTruncated() throws {
        let target = try ScratchTree()
        try target("victim").writeFile("precious")
        try target("file").perform("link") { cFile in target("victim").string!.withCString { link($0, cFile) } }
        let root = try RestoreTarget(path: target.path).root
        try root.createFile(Array("file".utf8)).write(Array("new".utf8), at: 0)
        #expect(try target("victim").contents() == "precious")
        #expect(try target("file").contents() == "new")
    }

    @Test func metadataIsNotAppliedThroughAPlantedSymlink() throws {
        let target = try ScratchTree()
        let elsewhere = try ScratchTree()
        try elsewhere("victim").writeFile("x", mode: 0o600)
        try target("entry").makeSymlink(to: elsewhere("victim").string!)
        let root = try RestoreTarget(path: target.path).root
        let before = try elsewhere("victim").status()
        let metadata = FileMetadata(type: .fifo, mode: 0o777, uid: 1234, gid: 1234,
                                    mtime: Timestamp(seconds: 1_000_000_000, nanoseconds: 0),
                                    ctime: Timestamp(seconds: 0, nanoseconds: 0), size: 0)
        // The entry is a symlink, not the FIFO expected: setting its mode must fail, not follow.
        #expect(throws: FileSystemError.self) { try root.applyMetadata(metadata, toEntry: Array("entry".utf8)) }
        let after = try elsewhere("victim").status()
        #expect(after.st_mode == before.st_mode && after.st_uid == before.st_uid && after.st_mtim.tv_sec == before.st_mtim.tv_sec)
    }

    @Test func hardLinkCannotReachThroughAPlantedSymlink() throws {
        let target = try ScratchTree()
        let elsewhere = try ScratchTree()
        try elsewhere("secret").writeFile("secret")
        try target("sub").makeSymlink(to: elsewhere.path.string!)
        let root = try RestoreTarget(path: target.path).root
        #expect(throws: FileSystemError.self) { try root.makeHardLink(Array("stolen".utf8), to: FilePath("sub/secret")) }
        #expect(!target("stolen").exists)
    }

    @Test func whateverIsInTheWayIsReplacedButNotAFullDirectory() throws {
        let target = try ScratchTree()
        try target("was-file").writeFile()
        try target("was-empty-dir").makeDirectory()
        try target("was-full-dir").makeDirectory()
        try target("was-full-dir/keep").writeFile()
        let root = try RestoreTarget(path: target.path).root
        try root.makeSymlink(Array("was-file".utf8), target: Array("x".utf8))
        try root.makeSpecialFile(Array("was-empty-dir".utf8), type: .fifo)
        #expect(throws: FileSystemError.system(operation: "create file", path: target("was-full-dir").description, errno: ENOTEMPTY)) {
            try root.createFile(Array("was-full-dir".utf8))
        }
        #expect(try target("was-file").status().st_mode & S_IFMT == S_IFLNK)
        #expect(try target("was-empty-dir").status().st_mode & S_IFMT == S_IFIFO)
        #expect(target("was-full-dir/keep").exists)
        _ = try root.makeDirectory(Array("was-file".utf8))
        #expect(try target("was-file").status().st_mode & S_IFMT == S_IFDIR)
    }

    @Test func existingDirectoryIsReused() throws {
        let target = try ScratchTree()
        try target("dir").makeDirectory()
        try target("dir/old").writeFile()
        let root = try RestoreTarget(path: target.path).root
        _ = try root.makeDirectory(Array("dir".utf8)).createFile(Array("new".utf8))
        #expect(try target("dir").listing() == ["new", "old"])
    }

    @Test func targetIsCreatedIfMissingButNotItsParents() throws {
        let directory = try ScratchTree()
        _ = try RestoreTarget(path: directory("new"))
        #expect(try directory("new").status().st_mode & S_IFMT == S_IFDIR)
        let deep = directory("missing/new")
        #expect(throws: FileSystemError.system(operation: "open restore target", path: deep.description, errno: ENOENT)) {
            try RestoreTarget(path: deep)
        }
    }

    @Test func onlySpecialTypesAreMadeAsSpecialFiles() throws {
        let target = try ScratchTree()
        let root = try RestoreTarget(path: target.path).root
        for type in [FileType.file, .directory, .symlink] {
            #expect(throws: FileSystemError.unsupportedType(path: target("x").description)) {
                try root.makeSpecialFile(Array("x".utf8), type: type)
            }
        }
    }
}
