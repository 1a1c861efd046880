import Glibc
import Testing
@testable import Repo

/// Walks a tree, recreates it with `RestoreTarget`, and compares what `MetadataReader` says
/// about both: the filesystem layer's two halves must agree on everything a backup keeps.
@Suite struct RestoreRoundTripTests {
    @Test func everyKindOfEntryWithItsMetadata() throws {
        let source = try TemporaryDirectory()
        let target = try TemporaryDirectory()
        let year2001 = timespec(tv_sec: 978_307_200 + 86_400 * 40, tv_nsec: 123_456_789)

        try writeFile(source("file"), "content of a regular file", mode: 0o640)
        try check("chown", source("file")) { chown($0, 1234, 1234) }
        let hasUserAttributes = try setUserAttribute(source("file"), "user.comment", "kept")
        try makeDirectory(source("dir"), mode: 0o700)
        try writeFile(source("dir/inner"), "inner", mode: 0o4755)
        try check("chown", source("dir/inner")) { chown($0, 1234, 1234) }
        try check("chmod", source("dir/inner")) { chmod($0, 0o4755) }
        try makeSymlink(source("link"), to: "dir/inner")
        try check("lchown", source("link")) { lchown($0, 1234, 1234) }
        try check("mkfifo", source("fifo")) { mkfifo($0, 0o620) }
        try check("chmod", source("fifo")) { chmod($0, 0o620) }
        // Set by name through /proc on restore; trusted.* because user.* is for files and
        // directories only. Root may set it wherever the file system has attributes at all.
        let fifoAttribute = ExtendedAttribute(name: "trusted.note", value: bytes("on a fifo"))
        let hasTrustedAttributes = (try? ExtendedAttributeHolder.path(source("fifo").bytes).write(fifoAttribute)) != nil
        try check("mknod", source("null")) { mknod($0, S_IFCHR | 0o666, deviceNumber(major: 1, minor: 3)) }
        try writeFile(source("hard1"), "linked", mode: 0o600)
        try check("link", source("hard2")) { cPath in source("hard1").string!.withCString { link($0, cPath) } }
        try writeFile(source([0x6E, 0xFF, 0x0A]), "odd name")
        let sparseSize: off_t = 32 << 20
        let sparse = try check("create", source("sparse")) { open($0, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        #expect(ftruncate(sparse, sparseSize) == 0)
        #expect([UInt8](repeating: 7, count: 4096).withUnsafeBytes { pwrite(sparse, $0.baseAddress, $0.count, 8 << 20) } == 4096)
        close(sparse)
        for name in ["file", "dir/inner", "fifo", "null", "hard1", "sparse", "dir"] {
            var times = [year2001, year2001]
            try check("utimensat", source(name)) { utimensat(AT_FDCWD, $0, &times, 0) }
        }
        var times = [year2001, year2001]
        try check("utimensat", source("link")) { utimensat(AT_FDCWD, $0, &times, AT_SYMLINK_NOFOLLOW) }

        let problems = try restore(source.path, into: target.path)
        #expect(problems.isEmpty, "\(problems)")

        let before = try capture(source.path)
        let after = try capture(target.path)
        #expect(Set(before.keys) == Set(after.keys))
        for (name, original) in before {
            let restored = try #require(after[name])
            #expect(restored.type == original.type, "\(name)")
            #expect(restored.mode == original.mode, "\(name)")
            #expect(restored.uid == original.uid && restored.gid == original.gid, "\(name)")
            #expect(restored.mtime == original.mtime, "\(name)")
            #expect(restored.size == original.size || original.type == .directory, "\(name)")
            #expect(restored.linkTarget == original.linkTarget, "\(name)")
            #expect(restored.rdev == original.rdev, "\(name)")
            #expect(restored.linkCount == original.linkCount || original.type == .directory, "\(name)")
            #expect(restored.xattrs == original.xattrs, "\(name)")
        }
        #expect(after["file"]?.uid == 1234 && after["link"]?.uid == 1234)
        #expect(after["file"]?.mtime == Timestamp(year2001))
        #expect(after["dir"]?.mode == 0o700)
        #expect(after["dir/inner"]?.mode == 0o4755 && after["dir/inner"]?.uid == 1234, "setuid survives the change of owner")
        #expect(after["link"]?.linkTarget == bytes("dir/inner"))
        #expect(after["hard1"]?.inode == after["hard2"]?.inode)
        #expect(after["hard1"]?.linkCount == 2)
        if hasUserAttributes {
            #expect(after["file"]?.xattrs.contains(ExtendedAttribute(name: "user.comment", value: bytes("kept"))) == true)
        }
        if hasTrustedAttributes {
            #expect(after["fifo"]?.xattrs == [fifoAttribute])
        }
        #expect(try contents(target("file")) == "content of a regular file")
        #expect(try contents(target([0x6E, 0xFF, 0x0A])) == "odd name")

        let sparseBefore = try lstatus(source("sparse"))
        let sparseAfter = try lstatus(target("sparse"))
        #expect(sparseAfter.st_size == sparseSize)
        #expect(sparseAfter.st_blocks <= max(sparseBefore.st_blocks, 64), "holes stay holes")
        #expect(try readAll(target("sparse")) == (try readAll(source("sparse"))))
    }

    @Test func attributesTheTargetRefusesAreReportedNotThrown() throws {
        let target = try TemporaryDirectory()
        let root = try RestoreTarget(path: target.path).root
        let file = try root.createFile(bytes("file"))
        var metadata = try MetadataReader().metadata(fd: file.fd, path: "file")
        metadata.xattrs = [ExtendedAttribute(name: "user.comment", value: bytes("x"))]
        // A namespace that no file system accepts from anyone: reported as unsupported.
        metadata.xattrs.append(ExtendedAttribute(name: "nonexistent.namespace", value: bytes("x")))
        let unsupported = try file.applyMetadata(metadata)
        #expect(unsupported.allSatisfy {
            if case .system(let operation, _, let code) = $0 { operation.hasPrefix("set extended attribute") && (code == ENOTSUP || code == EPERM) } else { false }
        })
        #expect(unsupported.count >= 1)
    }
}

/// Metadata of every entry below `root`, by path relative to it.
private func capture(_ root: FilePath) throws -> [String: FileMetadata] {
    var entries: [String: FileMetadata] = [:]
    var problems: [FileSystemError] = []
    TreeWalker().walk([root]) { event in
        switch event {
        case .enter(let path, let metadata), .entry(let path, let metadata):
            guard path != root else { return }
            entries[FilePath.display(Array(path.bytes.dropFirst(root.bytes.count + 1)))] = metadata
        case .leave: break
        case .problem(_, let error): problems.append(error)
        }
    }
    #expect(problems.isEmpty)
    return entries
}

/// A minimal restorer: what the real one does, minus the repository. Copies file contents
/// region by region, so holes are never written.
private func restore(_ source: FilePath, into target: FilePath) throws -> [FileSystemError] {
    let root = try RestoreTarget(path: target).root
    var directories: [(RestoreDirectory, FilePath)] = []
    var firstPathOfInode: [UInt64: FilePath] = [:]
    var problems: [FileSystemError] = []
    try TreeWalker().walk([source]) { (event) throws(FileSystemError) in
        switch event {
        case .enter(let path, _):
            guard path != source, let (parent, parentRelative) = directories.last else {
                directories.append((root, FilePath(bytes: [])))
                return
            }
            directories.append((try parent.makeDirectory(path.name), parentRelative.appending(path.name)))
        case .leave(let path, let metadata):
            let (directory, _) = directories.removeLast()
            if path != source { problems += try directory.applyMetadata(metadata) }
        case .entry(let path, let metadata):
            let (directory, relative) = directories.last!
            let name = path.name
            if metadata.linkCount > 1, metadata.type == .file {
                if let first = firstPathOfInode[metadata.inode] {
                    try directory.makeHardLink(name, to: first)
                    return
                }
                firstPathOfInode[metadata.inode] = relative.appending(name)
            }
            switch metadata.type {
            case .file:
                let file = try directory.createFile(name)
                try copyRegions(from: path, size: metadata.size, to: file)
                problems += try file.applyMetadata(metadata)
            case .symlink:
                try directory.makeSymlink(name, target: metadata.linkTarget ?? [])
                problems += try directory.applyMetadata(metadata, toEntry: name)
            default:
                try directory.makeSpecialFile(name, type: metadata.type, rdev: metadata.rdev)
                problems += try directory.applyMetadata(metadata, toEntry: name)
            }
        case .problem(_, let error):
            throw error
        }
    }
    return problems
}

private func copyRegions(from path: FilePath, size: UInt64, to file: RestoredFile) throws(FileSystemError) {
    let input = (path.bytes + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_RDONLY | O_CLOEXEC) } }
    guard input >= 0 else { throw .system(operation: "open", path: path.description, errno: errno) }
    defer { close(input) }
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    for region in try dataRegions(fd: input, size: size, path: path.description) {
        var offset = region.lowerBound
        while offset < region.upperBound {
            let wanted = Int(min(UInt64(buffer.count), region.upperBound - offset))
            let count = buffer.withUnsafeMutableBytes { pread(input, $0.baseAddress, wanted, off_t(offset)) }
            guard count > 0 else { throw .system(operation: "read", path: path.description, errno: errno) }
            try file.write(Array(buffer[..<count]), at: offset)
            offset += UInt64(count)
        }
    }
    try file.setSize(size)
}

private func readAll(_ path: FilePath) throws -> [UInt8] {
    let descriptor = try check("open", path) { open($0, O_RDONLY | O_CLOEXEC) }
    defer { close(descriptor) }
    var all: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        try #require(count >= 0)
        if count == 0 { return all }
        all += buffer[..<count]
    }
}
