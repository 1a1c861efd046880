import Glibc
import Testing
@testable import Repo

/// Restoring must never write outside the target, whatever is planted inside it.
@Suite struct RestoreSafetyTests {
    @Test(arguments: [
        (bytes("file"), true), (bytes(".hidden"), true), (bytes("..."), true), ([0xFF, 0xFE], true), (bytes("a b\n"), true),
        ([], false), (bytes("."), false), (bytes(".."), false), (bytes("a/b"), false), (bytes("/"), false),
        (bytes("a") + [0] + bytes("b"), false), ([0], false),
    ])
    func safeNames(_ name: [UInt8], _ safe: Bool) {
        #expect(RestoreTarget.isSafeName(name) == safe)
    }

    @Test func everyOperationRefusesUnsafeNames() throws {
        let directory = try TemporaryDirectory()
        let root = try RestoreTarget(path: directory.path).root
        let metadata = FileMetadata(type: .fifo, mode: 0o600, uid: 0, gid: 0, mtime: Timestamp(seconds: 0, nanoseconds: 0),
                                    ctime: Timestamp(seconds: 0, nanoseconds: 0), size: 0)
        for name in [[], bytes("."), bytes(".."), bytes("../escape"), bytes("a/b"), bytes("x") + [0]] as [[UInt8]] {
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.makeDirectory(name) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.openDirectory(name) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.createFile(name) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.makeSymlink(name, target: bytes("t")) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.makeSpecialFile(name, type: .fifo) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.makeHardLink(name, to: FilePath("x")) }
            #expect(throws: FileSystemError.unsafeName(FilePath.display(name))) { try root.applyMetadata(metadata, toEntry: name) }
        }
        try writeFile(directory("x"))
        for existing in ["../x", "./x", "a/../x", ""] {
            #expect(throws: FileSystemError.unsafeName(existing)) { try root.makeHardLink(bytes("l"), to: FilePath(existing)) }
        }
        #expect(try listing(directory.path) == ["x"])
    }

    @Test func plantedSymlinkToADirectoryIsReplacedNotFollowed() throws {
        let target = try TemporaryDirectory()
        let elsewhere = try TemporaryDirectory()
        try makeSymlink(target("dir"), to: elsewhere.path.string!)
        let root = try RestoreTarget(path: target.path).root

        let refused = #expect(throws: FileSystemError.self) { try root.openDirectory(bytes("dir")) }
        guard case .system("open directory", _, let code)? = refused else {
            Issue.record("unexpected \(String(describing: refused))")
            return
        }
        #expect(code == ENOTDIR || code == ELOOP)
        let dir = try root.makeDirectory(bytes("dir"))
        let file = try dir.createFile(bytes("payload"))
        try file.write(bytes("data"), at: 0)
        try dir.makeSymlink(bytes("link"), target: bytes("/etc/passwd"))
        try dir.makeSpecialFile(bytes("fifo"), type: .fifo)

        #expect(try listing(elsewhere.path).isEmpty)
        #expect(try lstatus(target("dir")).st_mode & S_IFMT == S_IFDIR)
        #expect(try listing(target("dir")) == ["fifo", "link", "payload"])
    }

    @Test func plantedSymlinkToAFileIsReplacedNotWrittenThrough() throws {
        let target = try TemporaryDirectory()
        let elsewhere = try TemporaryDirectory()
        try writeFile(elsewhere("victim"), "precious")
        try makeSymlink(target("file"), to: elsewhere("victim").string!)
        try makeSymlink(target("dangling"), to: elsewhere("created").string!)
        let root = try RestoreTarget(path: target.path).root

        try root.createFile(bytes("file")).write(bytes("restored"), at: 0)
        try root.createFile(bytes("dangling")).write(bytes("restored"), at: 0)

        #expect(try listing(elsewhere.path) == ["victim"])
        #expect(try contents(elsewhere("victim")) == "precious")
        #expect(try lstatus(target("file")).st_mode & S_IFMT == S_IFREG)
        #expect(try contents(target("file")) == "restored")
    }

    @Test func plantedHardLinkIsNotTruncated() throws {
        let target = try TemporaryDirectory()
        try writeFile(target("victim"), "precious")
        try check("link", target("file")) { cFile in target("victim").string!.withCString { link($0, cFile) } }
        let root = try RestoreTarget(path: target.path).root
        try root.createFile(bytes("file")).write(bytes("new"), at: 0)
        #expect(try contents(target("victim")) == "precious")
        #expect(try contents(target("file")) == "new")
    }

    @Test func metadataIsNotAppliedThroughAPlantedSymlink() throws {
        let target = try TemporaryDirectory()
        let elsewhere = try TemporaryDirectory()
        try writeFile(elsewhere("victim"), "x", mode: 0o600)
        try makeSymlink(target("entry"), to: elsewhere("victim").string!)
        let root = try RestoreTarget(path: target.path).root
        let before = try lstatus(elsewhere("victim"))
        let metadata = FileMetadata(type: .fifo, mode: 0o777, uid: 1234, gid: 1234,
                                    mtime: Timestamp(seconds: 1_000_000_000, nanoseconds: 0),
                                    ctime: Timestamp(seconds: 0, nanoseconds: 0), size: 0)
        // The entry is a symlink, not the FIFO expected: setting its mode must fail, not follow.
        #expect(throws: FileSystemError.self) { try root.applyMetadata(metadata, toEntry: bytes("entry")) }
        let after = try lstatus(elsewhere("victim"))
        #expect(after.st_mode == before.st_mode && after.st_uid == before.st_uid && after.st_mtim.tv_sec == before.st_mtim.tv_sec)
    }

    @Test func hardLinkCannotReachThroughAPlantedSymlink() throws {
        let target = try TemporaryDirectory()
        let elsewhere = try TemporaryDirectory()
        try writeFile(elsewhere("secret"), "secret")
        try makeSymlink(target("sub"), to: elsewhere.path.string!)
        let root = try RestoreTarget(path: target.path).root
        #expect(throws: FileSystemError.self) { try root.makeHardLink(bytes("stolen"), to: FilePath("sub/secret")) }
        #expect(!exists(target("stolen")))
    }

    @Test func whateverIsInTheWayIsReplacedButNotAFullDirectory() throws {
        let target = try TemporaryDirectory()
        try writeFile(target("was-file"))
        try makeDirectory(target("was-empty-dir"))
        try makeDirectory(target("was-full-dir"))
        try writeFile(target("was-full-dir/keep"))
        let root = try RestoreTarget(path: target.path).root
        try root.makeSymlink(bytes("was-file"), target: bytes("x"))
        try root.makeSpecialFile(bytes("was-empty-dir"), type: .fifo)
        #expect(throws: FileSystemError.system(operation: "create file", path: target("was-full-dir").description, errno: ENOTEMPTY)) {
            try root.createFile(bytes("was-full-dir"))
        }
        #expect(try lstatus(target("was-file")).st_mode & S_IFMT == S_IFLNK)
        #expect(try lstatus(target("was-empty-dir")).st_mode & S_IFMT == S_IFIFO)
        #expect(exists(target("was-full-dir/keep")))
        _ = try root.makeDirectory(bytes("was-file"))
        #expect(try lstatus(target("was-file")).st_mode & S_IFMT == S_IFDIR)
    }

    @Test func existingDirectoryIsReused() throws {
        let target = try TemporaryDirectory()
        try makeDirectory(target("dir"))
        try writeFile(target("dir/old"))
        let root = try RestoreTarget(path: target.path).root
        _ = try root.makeDirectory(bytes("dir")).createFile(bytes("new"))
        #expect(try listing(target("dir")) == ["new", "old"])
    }

    @Test func targetIsCreatedIfMissingButNotItsParents() throws {
        let directory = try TemporaryDirectory()
        _ = try RestoreTarget(path: directory("new"))
        #expect(try lstatus(directory("new")).st_mode & S_IFMT == S_IFDIR)
        let deep = directory("missing/new")
        #expect(throws: FileSystemError.system(operation: "open restore target", path: deep.description, errno: ENOENT)) {
            try RestoreTarget(path: deep)
        }
    }

    @Test func onlySpecialTypesAreMadeAsSpecialFiles() throws {
        let target = try TemporaryDirectory()
        let root = try RestoreTarget(path: target.path).root
        for type in [FileType.file, .directory, .symlink] {
            #expect(throws: FileSystemError.unsupportedType(path: target("x").description)) {
                try root.makeSpecialFile(bytes("x"), type: type)
            }
        }
    }
}

/// The names in a directory, sorted, as text.
func listing(_ path: FilePath) throws -> [String] {
    var names: [String] = []
    TreeWalker().walk([path]) { event in
        if case .entry(let entry, _) = event { names.append(FilePath.display(entry.name)) }
        if case .enter(let entry, _) = event, entry != path { names.append(FilePath.display(entry.name)) }
    }
    return names.sorted()
}

func contents(_ path: FilePath) throws -> String {
    let descriptor = try check("open", path) { open($0, O_RDONLY | O_CLOEXEC) }
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    try #require(count >= 0)
    return String(decoding: buffer[..<count], as: UTF8.self)
}
