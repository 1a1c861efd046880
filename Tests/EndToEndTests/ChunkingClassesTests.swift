import Foundation
import TestSupport
import Testing

/// A new repository chunks text and compressible binaries with the sizes chosen for them
/// (64 KiB and 1 MiB averages; 16 KiB for both before), and restores them byte for byte.
@Suite struct ChunkingClassesTests {
    /// Blobs a snapshot of `directory` added (its chunks and trees).
    static func blobsAdded(_ workspace: Workspace, _ directory: String) throws -> Int {
        let snapshot = try workspace.repo("snapshot", "--json", directory)
        #expect(snapshot.status == 0, "\(snapshot)")
        let summary = snapshot.object["summary"] as? [String: Any] ?? snapshot.object
        return int(summary, "blobs_added") ?? 0
    }

    @Test func aNewRepositoryCutsLargerChunksOfTextAndCompressibleBinaries() throws {
        let workspace = try Workspace("chunking-classes")
        defer { workspace.remove() }
        #expect(try workspace.repo("init").status == 0)
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        try FS.mkdir(Array((source + "/lib").utf8))
        try FS.mkdir(Array((source + "/logs").utf8))

        var generator = SeededGenerator(seed: 12)
        try FS.writeFile(Array((source + "/lib/libapp.so").utf8), CompressibleBinarySamples.elfLibrary(size: 2 << 20, &generator))
        let library = try Self.blobsAdded(workspace, source + "/lib")
        // 2 MiB in chunks of 256 KiB to 4 MiB: at most 8, with the directory trees; 16 KiB
        // chunks would be about 128.
        #expect(library <= 12, "\(library) blobs for a 2 MiB library")

        var log = ""
        for line in 0..<40_000 {
            log += "2026-12-07T10:\(line / 600 % 60):\(line / 10 % 60) worker[\(generator.next() % 64)] job \(line) done in \(generator.next() % 9000) ms\n"
        }
        try FS.writeFile(Array((source + "/logs/app.log").utf8), Array(log.utf8))
        let text = try Self.blobsAdded(workspace, source + "/logs")
        // About 2.5 MB in chunks averaging 64 KiB: about 40; 16 KiB chunks would be about 150.
        #expect(text < 80, "\(text) blobs for \(log.utf8.count) bytes of log")
        try expectLatestRestoresAndChecks(workspace, source: source + "/logs")
    }
}
