import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15, D14 and D16: a restore that meets missing data (a pack gone or emptied, a tree
/// pack gone, a blob not in the index) exits 13, damage, like every other reader; and its
/// summary counts only files whose content was all written as restored, the others as
/// failed.
@Suite struct RestoreDamageTests {
    static let fileCount = 23

    /// A repository (1 MiB packs) with one snapshot of 20 small files, an empty one and a
    /// 3 MB random one with a second name (a hard link).
    private func workspaceWithSnapshot(_ label: String) throws -> (Workspace, String) {
        let workspace = try Workspace(label)
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        var generator = SystemRandomNumberGenerator()
        for number in 0..<20 {
            try FS.writeFile(Array((source + "/small-\(number).txt").utf8), Array("small file \(number)\n".utf8))
        }
        try FS.writeFile(Array((source + "/empty.txt").utf8), [])
        try FS.writeFile(Array((source + "/big.bin").utf8), (0..<3_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        guard link(source + "/big.bin", source + "/big-link.bin") == 0 else { throw HarnessError("link: \(errno)") }
        let initialized = try workspace.repo("init", "--pack-size", "1")
        guard initialized.status == 0 else { throw HarnessError("init: \(initialized)") }
        let snapshot = try workspace.repo("snapshot", source)
        guard snapshot.status == 0 else { throw HarnessError("snapshot: \(snapshot)") }
        return (workspace, source)
    }

    private func restore(_ workspace: Workspace, json: Bool = true) throws -> RunResult {
        // No cache: what the repository holds is what is read.
        _ = try? runProgram("/bin/rm", ["-rf", workspace.cache], scratch: "/tmp")
        return try workspace.repo(["restore", "latest", "--target", workspace.path("restore-\(UInt32.random(in: 0...999_999))")] + (json ? ["--json"] : []))
    }

    @Test func missingDataPack() throws {
        let (workspace, _) = try workspaceWithSnapshot("restore-missing-pack")
        defer { workspace.remove() }
        let largest = try #require(try packFiles(in: workspace.repository + "/data").max { $0.size < $1.size })
        try FS.unlink(Array(largest.path.utf8))
        let result = try restore(workspace)
        #expect(result.status == 13, "a missing pack is damage: \(result)")
        let restored = try #require(int(result.object, "files")), failed = try #require(int(result.object, "files_failed"), "\(result)")
        #expect(failed >= 1 && restored + failed == Self.fileCount, "restored \(restored), failed \(failed): \(result)")
        // The big file's pack is the largest: both its names fail (the second, big.bin, is a link to big-link.bin).
        let problems = (result.object["problems"] as? [String]) ?? []
        #expect(problems.contains { $0.contains("/big.bin") } && problems.contains { $0.contains("/big-link.bin") }, "\(problems)")
        let text = try restore(workspace, json: false)
        #expect(text.status == 13, "\(text)")
        #expect(text.out.contains("\(restored) files") && text.out.contains("\(failed) failed"), "the summary counts failed files apart: \(text.out)")
    }

    @Test func emptiedDataPack() throws {
        let (workspace, _) = try workspaceWithSnapshot("restore-empty-pack")
        defer { workspace.remove() }
        let largest = try #require(try packFiles(in: workspace.repository + "/data").max { $0.size < $1.size })
        #expect(truncate(largest.path, 0) == 0)
        let result = try restore(workspace)
        #expect(result.status == 13, "an empty pack is damage: \(result)")
        let restored = try #require(int(result.object, "files")), failed = try #require(int(result.object, "files_failed"), "\(result)")
        #expect(failed >= 1 && restored + failed == Self.fileCount, "restored \(restored), failed \(failed): \(result)")
    }

    @Test func missingTreePack() throws {
        let (workspace, _) = try workspaceWithSnapshot("restore-missing-tree")
        defer { workspace.remove() }
        for pack in try packFiles(in: workspace.repository + "/tree") { try FS.unlink(Array(pack.path.utf8)) }
        let result = try restore(workspace, json: false)
        #expect(result.status == 13, "a missing tree pack is damage: \(result)")
    }

    @Test func blobNotInIndex() throws {
        let (workspace, _) = try workspaceWithSnapshot("restore-no-index")
        defer { workspace.remove() }
        // Every index object gone: the snapshot's blobs are in no index.
        _ = try runProgram("/bin/rm", ["-rf", workspace.repository + "/index"], scratch: "/tmp")
        try FS.mkdir(Array((workspace.repository + "/index").utf8))
        let result = try restore(workspace, json: false)
        #expect(result.status == 13, "a blob not in the index is damage: \(result)")
        #expect(result.err.contains("not in the index"), "\(result)")
    }
}
