import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Resuming an interrupted upload (docs/design.md): a snapshot killed after most of its
/// data was stored is followed by one that adopts the stored packs and uploads only the rest.
@Suite struct ResumeTests {
    /// The size of the source: 48 MB by default, so that the debug build runs it in well
    /// under a minute; `REPO_E2E_RESUME_MB=300` (with `REPO_E2E_BINARY` set to a release
    /// build) gives the figures of the closing note.
    static var sourceBytes: Int {
        let megabytes = ProcessInfo.processInfo.environment["REPO_E2E_RESUME_MB"].flatMap(Int.init) ?? 48
        return max(8, megabytes) * 1_000_000
    }

    static func storedPackBytes(_ workspace: Workspace) -> Int {
        ((try? packFiles(in: workspace.repository + "/data")) ?? []).reduce(0) { $0 + $1.size }
    }

    @Test func aKilledSnapshotIsResumedWithoutUploadingItsPacksAgain() throws {
        let workspace = try Workspace("resume")
        defer { workspace.remove() }
        // Random files of 4 MB (incompressible, so the stored size is the source's size).
        let source = workspace.path("src")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        var random = SeededRandom(seed: 1616)
        let total = Self.sourceBytes
        for (number, start) in stride(from: 0, to: total, by: 4_000_000).enumerated() {
            let bytes = random.bytes(min(4_000_000, total - start))
            try Data(bytes).write(to: URL(fileURLWithPath: "\(source)/file-\(number).bin"))
        }
        let result = try workspace.repo("init", "--pack-size", "4")
        #expect(result.status == 0, "\(result)")

        // Killed once 70% of the source is stored in packs.
        let child = try workspace.start(["snapshot", "--json", "--jobs", "2", source])
        let deadline = Date().addingTimeInterval(600)
        var killedAt = 0
        while Date() < deadline {
            killedAt = Self.storedPackBytes(workspace)
            if killedAt >= total * 7 / 10 { break }
            usleep(5_000)
        }
        child.kill(SIGKILL)
        let killed = child.wait(timeout: 60)
        try #require(killed.signal == SIGKILL, "the snapshot ended before it could be killed: \(killed)")
        let stored = Self.storedPackBytes(workspace)
        #expect(stored >= total * 7 / 10)
        #expect(try snapshotList(workspace).isEmpty)

        let resumed = try workspace.repo(["snapshot", "--json", "--jobs", "2", source], timeout: 600)
        #expect(resumed.status == 0, "\(resumed)")
        let summary = try #require(resumed.objectLines.last { $0["message_type"] as? String == "summary" }, "\(resumed)")
        let added = try #require(int(summary, "bytes_added"))
        let resumedPacks = try #require(int(summary, "resumed_packs"))
        let resumedBytes = try #require(int(summary, "resumed_bytes"))
        // Every pack stored before the kill is reused: what is added is the rest, plus the
        // seals of its blobs and the trees.
        #expect(resumedPacks > 0 && resumedBytes > 0)
        #expect(added <= total - stored + total / 100, "added \(added) of \(total) after \(stored) were stored")
        print("resume figures: source \(total) B, stored at the kill \(stored) B, second run added \(added) B, adopted \(resumedPacks) packs of \(resumedBytes) B")

        let text = try workspace.repo("snapshot", source)
        #expect(text.status == 0 && !text.out.contains("resumed:"), "nothing is left to adopt: \(text)")
        let check = try workspace.repo(["check", "--read-data"], timeout: 600)
        #expect(check.status == 0, "\(check)")
        for (number, snapshot) in try snapshotList(workspace).enumerated() {
            let id = try #require(snapshot["id"] as? String)
            let target = workspace.path("restore-\(number)")
            let restore = try workspace.repo(["restore", id, "--target", target], timeout: 600)
            #expect(restore.status == 0, "\(restore)")
            let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
            #expect(differences.isEmpty, "\(report(differences))")
        }
    }
}
