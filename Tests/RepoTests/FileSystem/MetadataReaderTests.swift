import Glibc
import Testing
@testable import Repo

@Suite struct MetadataReaderTests {
    let reader = MetadataReader()

    @Test func regularFile() throws {
        let directory = try ScratchTree()
        let path = directory("file")
        try path.writeFile("hello", mode: 0o640)
        try path.perform("chmod") { chmod($0, 0o4750) }
        var times = [timespec(tv_sec: 978_307_200, tv_nsec: 123_456_789), timespec(tv_sec: 978_307_201, tv_nsec: 987_654_321)]
        try path.perform("utimensat") { utimensat(AT_FDCWD, $0, &times, 0) }

        let metadata = try reader.metadata(atPath: path)
        let status = try path.status()
        #expect(metadata.type == .file)
        #expect(metadata.mode == 0o4750)
        #expect(metadata.size == 5)
        #expect(metadata.uid == 0 && metadata.gid == 0)
        #expect(metadata.user == "root" && metadata.group == "root")
        #expect(metadata.mtime == Timestamp(seconds: 978_307_201, nanoseconds: 987_654_321))
        #expect(metadata.ctime == Timestamp(status.st_ctim))
        #expect(metadata.inode == UInt64(status.st_ino))
        #expect(metadata.device == UInt64(status.st_dev))
        #expect(metadata.linkCount == 1)
        #expect(metadata.linkTarget == nil)
    }

    @Test func symlinkIsDescribedNotFollowed() throws {
        let directory = try ScratchTree()
        try directory("target").writeFile("data")
        let link = directory("link")
        let target: [UInt8] = Array("../somewhere/".utf8) + [0xFF] + Array(" odd".utf8)
        try link.perform("symlink") { cLink in
            (target + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { symlink($0.baseAddress!, cLink) } }
        }
        let metadata = try reader.metadata(atPath: link)
        #expect(metadata.type == .symlink)
        #expect(metadata.linkTarget == target)
        #expect(metadata.size == UInt64(target.count))
    }

    @Test func longSymlinkTargetIsReadWhole() throws {
        let directory = try ScratchTree()
        let target = String(repeating: "abcdefghij/", count: 300)
        try directory("link").makeSymlink(to: target)
        #expect(try reader.metadata(atPath: directory("link")).linkTarget == Array(target.utf8))
    }

    @Test func directoryFifoSocketAndDevices() throws {
        let directory = try ScratchTree()
        try directory("dir").makeDirectory(mode: 0o1777)
        try directory("fifo").perform("mkfifo") { mkfifo($0, 0o600) }
        try directory("char").perform("mknod") { mknod($0, S_IFCHR | 0o600, ScratchTree.deviceNumber(major: 1, minor: 3)) }
        try directory("block").perform("mknod") { mknod($0, S_IFBLK | 0o600, ScratchTree.deviceNumber(major: 7, minor: 0)) }
        try directory("socket").perform("mknod") { mknod($0, S_IFSOCK | 0o600, 0) }

        let dir = try reader.metadata(atPath: directory("dir"))
        #expect(dir.type == .directory && dir.mode == 0o1777)
        #expect(try reader.metadata(atPath: directory("fifo")).type == .fifo)
        let char = try reader.metadata(atPath: directory("char"))
        #expect(char.type == .characterDevice && char.rdev == UInt64(ScratchTree.deviceNumber(major: 1, minor: 3)))
        let block = try reader.metadata(atPath: directory("block"))
        #expect(block.type == .blockDevice && block.rdev == UInt64(ScratchTree.deviceNumber(major: 7, minor: 0)))
        #expect(try reader.metadata(atPath: directory("socket")).type == .socket)
    }

    @Test func hardLinksShareInodeAndCount() throws {
        let directory = try ScratchTree()
        try directory("a").writeFile("x")
        try directory("b").perform("link") { cB in directory("a").string!.withCString { link($0, cB) } }
        let a = try reader.metadata(atPath: directory("a"))
        let b = try reader.metadata(atPath: directory("b"))
        #expect(a.inode == b.inode && a.device == b.device)
        #expect(a.linkCount == 2 && b.linkCount == 2)
    }

    @Test func extendedAttributesAreReadSortedAndCanBeSkipped() throws {
        let directory = try ScratchTree()
        let path = directory("file")
        try path.writeFile("x")
        guard try path.setUserAttribute("user.zeta", "last") else {
            try Test.cancel("the scratch file system (/tmp) has no user extended attributes")
        }
        try #require(try path.setUserAttribute("user.alpha", "first"))
        try #require(try path.setUserAttribute("user.empty", ""))
        let metadata = try reader.metadata(atPath: path)
        #expect(metadata.xattrs.filter { $0.name.hasPrefix("user.") } == [
            ExtendedAttribute(name: "user.alpha", value: Array("first".utf8)),
            ExtendedAttribute(name: "user.empty", value: []),
            ExtendedAttribute(name: "user.zeta", value: Array("last".utf8)),
        ])
        #expect(try reader.metadata(atPath: path, readXattrs: false).xattrs.isEmpty)
    }

    @Test func largeAttributeValue() throws {
        let directory = try ScratchTree()
        let path = directory("file")
        try path.writeFile("x")
        let value = String(repeating: "v", count: 3000)
        guard try path.setUserAttribute("user.big", value) else {
            try Test.cancel("the scratch file system (/tmp) has no user extended attributes")
        }
        let metadata = try reader.metadata(atPath: path)
        #expect(metadata.xattrs.first { $0.name == "user.big" }?.value == Array(value.utf8))
    }

    @Test func descriptorAndPathAgree() throws {
        let directory = try ScratchTree()
        let path = directory("file")
        try path.writeFile("contents", mode: 0o600)
        _ = try path.setUserAttribute("user.comment", "same")
        let descriptor = try path.perform("open") { open($0, O_RDONLY | O_CLOEXEC) }
        defer { close(descriptor) }
        #expect(try reader.metadata(fd: descriptor, path: path.string!) == reader.metadata(atPath: path))
    }

    @Test func namesThatAreNotUTF8() throws {
        let directory = try ScratchTree()
        let path = directory([0x66, 0xFF, 0x0A])
        try path.writeFile("x")
        #expect(try reader.metadata(atPath: path).type == .file)
    }

    @Test func missingEntryIsAnErrorNamingPathAndCause() throws {
        let directory = try ScratchTree()
        let path = directory("missing")
        let expected = FileSystemError.system(operation: "read metadata of", path: path.description, errno: ENOENT)
        #expect(throws: expected) { try reader.metadata(atPath: path) }
        #expect(expected.description == "cannot read metadata of \(path): No such file or directory")
    }

    @Test func badDescriptorIsAnError() {
        #expect(throws: FileSystemError.system(operation: "read metadata of", path: "/x", errno: EBADF)) {
            try reader.metadata(fd: -1, path: "/x")
        }
    }

    @Test func unknownIdsHaveNoNames() throws {
        let directory = try ScratchTree()
        let path = directory("file")
        try path.writeFile("x")
        try path.perform("chown") { chown($0, 54_321, 54_322) }
        let metadata = try reader.metadata(atPath: path)
        #expect(metadata.uid == 54_321 && metadata.gid == 54_322)
        #expect(metadata.user == nil && metadata.group == nil)
    }

    @Test func timestampsOrderBySecondsThenNanoseconds() {
        #expect(Timestamp(seconds: 1, nanoseconds: 999) < Timestamp(seconds: 2, nanoseconds: 0))
        #expect(Timestamp(seconds: -1, nanoseconds: 5) < Timestamp(seconds: 0, nanoseconds: 0))
        #expect(Timestamp(seconds: 3, nanoseconds: 1) < Timestamp(seconds: 3, nanoseconds: 2))
    }
}
