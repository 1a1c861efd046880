import Posix
import Storage
import Testing

@Suite struct FileSystemSpaceTests {
    @Test func spaceOfARealFileSystemIsConsistent() throws {
        let space = try FileSystemSpace.of("/tmp")
        #expect(space.totalBytes > 0)
        #expect(space.availableBytes <= space.freeBytes && space.freeBytes <= space.totalBytes)
        #expect((0...100).contains(space.percentUsed))
    }

    @Test func percentUsedCountsAsDfDoes() {
        // 100 blocks, 30 free of which 10 reserved for root: df says 70 / (70 + 20) = 78%.
        #expect(FileSystemSpace(totalBytes: 100, freeBytes: 30, availableBytes: 20).percentUsed == 78)
        #expect(FileSystemSpace(totalBytes: 100, freeBytes: 100, availableBytes: 100).percentUsed == 0)
    }

    @Test func aMissingPathIsAnErrno() {
        #expect(throws: Errno.self) { try FileSystemSpace.of("/nonexistent/\(UInt64.random(in: 0...UInt64.max))") }
    }

    @Test func objectStoresHaveNoLocalDirectory() {
        #expect(BackendFactory.localDirectory(of: "/srv/backups") == "/srv/backups")
        #expect(BackendFactory.localDirectory(of: "s3://bucket/prefix") == nil)
        #expect(BackendFactory.localDirectory(of: "s3:https://minio.local/bucket") == nil)
    }
}
