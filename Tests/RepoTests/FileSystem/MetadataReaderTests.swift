import Glibc
import Testing
@testable import Repo

@Suite struct MetadataReaderTests {
    let reader = MetadataReader()

    @Test func regularFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory("file")
        try writeFile(path, "hello", mode: 0o640)
        try check("chmod", path) { chmod($0, 0o4750) }
        var times = [timespec(tv_sec: 978_307_200, tv_nsec: 123_456_789), timespec(tv_sec: 978_307_201, tv_nsec: 987_654_321)]
        try check("utimensat", path) { utimensat(AT_FDCWD, $0, &times, 0) }

        let metadata = try reader.metadata(atPath: path)
        let status = try lstatus(path)
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
        let directory = try TemporaryDirectory()
        try writeFile(directory("target"), "data")
        let link = directory("link")
        let target: [UInt8] = bytes("../somewhere/") + [0xFF] + bytes(" odd")
        try check("symlink", link) { cLink in
            (target + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { symlink($0.baseAddress!, cLink) } }
        }
        let metadata = try reader.metadata(atPath: link)
        #expect(metadata.type == .symlink)
        #expect(metadata.linkTarget == target)
        #expect(metadata.size == UInt64(target.count))
    }

    @Test func longSymlinkTargetIsReadWhole() throws {
        let directory = try TemporaryDirectory()
        let target = String(repeating: "abcdefghij/", count: 300)
        try makeSymlink(directory("link"), to: target)
        #expect(try reader.metadata(atPath: directory("link")).linkTarget == bytes(target))
    }

    @Test func directoryFifoSocketAndDevices() throws {
        let directory = try TemporaryDirectory()
        try makeDirectory(directory("dir"), mode: 0o1777)
        try check("mkfifo", directory("fifo")) { mkfifo($0, 0o600) }
        try check("mknod", directory("char")) { mknod($0, S_IFCHR | 0o600, deviceNumber(major: 1, minor: 3)) }
        try check("mknod", directory("block")) { mknod($0, S_IFBLK | 0o600, deviceNumber(major: 7, minor: 0)) }
        try check("mknod", directory("socket")) { mknod($0, S_IFSOCK | 0o600, 0) }

        let dir = try reader.metadata(atPath: directory("dir"))
        #expect(dir.type == .directory && dir.mode == 0o1777)
        #expect(try reader.metadata(atPath: directory("fifo")).type == .fifo)
        let char = try reader.metadata(atPath: directory("char"))
        #expect(char.type == .characterDevice && char.rdev == UInt64(deviceNumber(major: 1, minor: 3)))
        let block = try reader.metadata(atPath: directory("block"))
        #expect(block.type == .blockDevice && block.rdev == UInt64(deviceNumber(major: 7, minor: 0)))
        #expect(try reader.metadata(atPath: directory("socket")).type == .socket)
    }

    @Test func hardLinksShareInodeAndCount() throws {
        let directory = try TemporaryDirectory()
        try writeFile(directory("a"), "x")
        try check("link", directory("b")) { cB in directory("a").string!.withCString { link($0, cB) } }
        let a = try reader.metadata(atPath: directory("a"))
        let b = try reader.metadata(atPath: directory("b"))
        #expect(a.inode == b.inode && a.device == b.device)
        #expect(a.linkCount == 2 && b.linkCount == 2)
    }

    @Test func extendedAttributesAreReadSortedAndCanBeSkipped() throws {
        let directory = try TemporaryDirectory()
        let path = directory("file")
        try writeFile(path, "x")
        guard try setUserAttribute(path, "user.zeta", "last"), try setUserAttribute(path, "user.alpha", "first") else {
            return  // No user attributes on this file system.
        }
        try #require(try setUserAttribute(path, "user.empty", ""))
        let metadata = try reader.metadata(atPath: path)
        #expect(metadata.xattrs.filter { $0.name.hasPrefix("user.") } == [
            ExtendedAttribute(name: "user.alpha", value: bytes("first")),
            ExtendedAttribute(name: "user.empty", value: []),
            ExtendedAttribute(name: "user.zeta", value: bytes("last")),
        ])
        #expect(try reader.metadata(atPath: path, readXattrs: false).xattrs.isEmpty)
    }

    @Test func largeAttributeValue() throws {
        let directory = try TemporaryDirectory()
        let path = directory("file")
        try writeFile(path, "x")
        let value = String(repeating: "v", count: 3000)
        guard try setUserAttribute(path, "user.big", value) else { return }
        let metadata = try reader.metadata(atPath: path)
        #expect(metadata.xattrs.first { $0.name == "user.big" }?.value == bytes(value))
    }

    @Test func descriptorAndPathAgree() throws {
        let directory = try TemporaryDirectory()
        let path = directory("file")
        try writeFile(path, "contents", mode: 0o600)
        _ = try setUserAttribute(path, "user.comment", "same")
        let descriptor = try check("open", path) { open($0, O_RDONLY | O_CLOEXEC) }
        defer { close(descriptor) }
        #expect(try reader.metadata(fd: descriptor, path: path.string!) == reader.metadata(atPath: path))
    }

    @Test func namesThatAreNotUTF8() throws {
        let directory = try TemporaryDirectory()
        let path = directory([0x66, 0xFF, 0x0A])
        try writeFile(path, "x")
        #expect(try reader.metadata(atPath: path).type == .file)
    }

    @Test func missingEntryIsAnErrorNamingPathAndCause() throws {
        let directory = try TemporaryDirectory()
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
        let directory = try TemporaryDirectory()
        let path = directory("file")
        try writeFile(path, "x")
        try check("chown", path) { chown($0, 54_321, 54_322) }
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

/// glibc's `makedev`, which Swift's Glibc module does not import.
func deviceNumber(major: UInt32, minor: UInt32) -> dev_t {
    let major = dev_t(major), minor = dev_t(minor)
    return (major & 0xFFF) << 8 | (major & ~0xFFF) << 32 | (minor & 0xFF) | (minor & ~0xFF) << 12
}
