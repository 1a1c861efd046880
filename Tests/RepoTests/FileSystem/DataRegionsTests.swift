import Glibc
import Posix
@testable import Repo
import Testing

@Suite struct DataRegionsTests {
    @Test func holesAreSkipped() throws {
        let directory = try ScratchTree()
        let path = directory("sparse")
        let descriptor = try path.perform("create") { open($0, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        defer { close(descriptor) }
        let size: UInt64 = 64 << 20
        let dataOffset: UInt64 = 16 << 20
        let data = [UInt8](repeating: 0xAB, count: 8192)
        #expect(ftruncate(descriptor, off_t(size)) == 0)
        #expect(data.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(dataOffset)) } == data.count)
        #expect(lseek(descriptor, 123, SEEK_SET) == 123)

        let regions = try dataRegions(FileDescriptor(rawValue: descriptor), size: size)

        let written = dataOffset..<dataOffset + UInt64(data.count)
        #expect(regions.contains { $0.lowerBound <= written.lowerBound && $0.upperBound >= written.upperBound })
        #expect(regions.allSatisfy { $0.upperBound <= size && !$0.isEmpty })
        #expect(zip(regions, regions.dropFirst()).allSatisfy { $0.upperBound < $1.lowerBound })
        var status = stat()
        #expect(fstat(descriptor, &status) == 0)
        if status.st_blocks * 512 < Int(size) / 2 {
            // The file system keeps holes: the regions must too.
            #expect(regions.reduce(0) { $0 + $1.count } < Int(size) / 2)
        }
        #expect(lseek(descriptor, 0, SEEK_CUR) == 123, "the file offset is left where it was")
    }

    @Test func fileEndingInDataAndStartingWithData() throws {
        let directory = try ScratchTree()
        let path = directory("dense")
        try path.writeFile([UInt8](repeating: 1, count: 10_000))
        let descriptor = try path.perform("open") { open($0, O_RDONLY | O_CLOEXEC) }
        defer { close(descriptor) }
        #expect(try dataRegions(FileDescriptor(rawValue: descriptor), size: 10_000) == [0..<10_000])
        #expect(try dataRegions(FileDescriptor(rawValue: descriptor), size: 4_000) == [0..<4_000], "clamped to the size given")
    }

    @Test func emptyAndAllHoleFiles() throws {
        let directory = try ScratchTree()
        let descriptor = try directory("holes").perform("create") { open($0, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        defer { close(descriptor) }
        #expect(try dataRegions(FileDescriptor(rawValue: descriptor), size: 0) == [])
        #expect(ftruncate(descriptor, 1 << 20) == 0)
        var status = stat()
        #expect(fstat(descriptor, &status) == 0)
        if status.st_blocks == 0 {
            #expect(try dataRegions(FileDescriptor(rawValue: descriptor), size: 1 << 20) == [])
        }
    }

    @Test func aPipeIsAnError() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        #expect(throws: FileSystemError.system(operation: "seek in", path: "pipe", errno: ESPIPE)) {
            try dataRegions(FileDescriptor(rawValue: ends[0]), size: 10, path: "pipe")
        }
    }
}
