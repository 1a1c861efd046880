import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `repo copy` between two local repositories with different passwords.
@Suite struct CopyCommandTests {
    /// A tree with every kind of entry (odd names, links, a sparse file, xattrs), a few MB.
    private static func spec(seed: UInt64) -> TreeSpec {
        var spec = TreeSpec(seed: seed)
        spec.tinyFiles = 150
        spec.randomFileSizes = [1_200_000]
        spec.textFileSizes = [800_000]
        spec.sparseSize = 4 << 20
        return spec
    }

    /// copy A → B; restore from B matches the source tree; a second run sends nothing;
    /// `check --read-data` on B is clean; text output; a new snapshot sends little.
    @Test func copyRestoreAndCopyAgain() throws {
        let workspace = try Workspace("copy")
        defer { workspace.remove() }
        let source = workspace.path("source")
        try TreeGenerator.generate(at: source, Self.spec(seed: 31))
        try workspace.initRepository()
        let a = workspace.repository, b = workspace.path("b")
        let passwordB = "e2e-target-\(UInt32.random(in: 100_000...999_999))"
        // The target takes the normal password sources, the source REPO_FROM_PASSWORD.
        let asTarget: [String: String?] = ["REPO_PASSWORD": passwordB, "REPO_FROM_PASSWORD": workspace.password]
        let initB = try workspace.repo("init", "--repo", b, environment: ["REPO_PASSWORD": passwordB])
        try #require(initB.status == 0, "\(initB)")

        let snapshot = try workspace.repo("snapshot", "--json", "--tag", "nightly", source)
        try #require(snapshot.status == 0, "\(snapshot)")
        let sourceID = try #require(snapshot.object["snapshot"] as? String)

        let copy = try workspace.repo("copy", "--from", a, "--to", b, "--json", environment: asTarget)
        try #require(copy.status == 0, "\(copy)")
        let summary = copy.object
        #expect(summary["message_type"] as? String == "summary", "\(copy)")
        #expect(int(summary, "snapshots_copied") == 1 && int(summary, "snapshots_already_copied") == 0, "\(copy)")
        #expect((int(summary, "blobs_sent") ?? 0) > 0 && (int(summary, "bytes_stored") ?? 0) > 0, "\(copy)")
        let line = try #require(copy.objectLines.first { $0["message_type"] as? String == "snapshot" }, "\(copy)")
        #expect(line["source"] as? String == sourceID && line["status"] as? String == "copied", "\(copy)")
        let targetID = try #require(line["target"] as? String, "\(copy)")

        // B lists the copy, with the source's tags and paths.
        let listed = try workspace.repo("snapshots", "--json", "--repo", b, environment: ["REPO_PASSWORD": passwordB])
        #expect(listed.status == 0, "\(listed)")
        #expect(listed.array.count == 1 && listed.array.first?["id"] as? String == targetID, "\(listed)")
        #expect(listed.array.first?["tags"] as? [String] == ["nightly"], "\(listed)")
        #expect(listed.array.first?["copied_from"] as? String == sourceID, "\(listed)")

        let restoreTarget = workspace.path("restored")
        let restore = try workspace.repo("restore", targetID, "--target", restoreTarget, "--repo", b,
                                         environment: ["REPO_PASSWORD": passwordB])
        #expect(restore.status == 0, "\(restore)")
        let differences = TreeComparer.compare(source, restoredPath(of: source, in: restoreTarget))
        #expect(differences.isEmpty, "the copy does not restore to the source tree:\n\(report(differences))")

        // A second run sends nothing and says so; REPO_REPOSITORY is the default target.
        let again = try workspace.repo("copy", "--from", a, environment: asTarget.merging(["REPO_REPOSITORY": b]) { $1 })
        #expect(again.status == 0, "\(again)")
        #expect(again.out.contains("\(sourceID.prefix(8)) already copied"), "\(again)")
        #expect(again.out.contains("0 snapshot(s) copied, 1 already copied; 0 blobs sent (0 B of data"), "\(again)")
        let againJSON = try workspace.repo("copy", "--from", a, "--to", b, "--json", environment: asTarget)
        #expect(int(againJSON.object, "blobs_sent") == 0 && int(againJSON.object, "bytes_sent") == 0, "\(againJSON)")
        #expect(int(againJSON.object, "bytes_stored") == 0 && int(againJSON.object, "snapshots_copied") == 0, "\(againJSON)")

        let check = try workspace.repo("check", "--read-data", "--repo", b, environment: ["REPO_PASSWORD": passwordB])
        #expect(check.status == 0, "\(check)")

        // A small change: the next copy sends a small part of what the first sent.
        try FS.writeFile(FS.join(Array(source.utf8), "added-later.txt"), Array("added later\n".utf8))
        let second = try workspace.repo("snapshot", "--json", source)
        try #require(second.status == 0, "\(second)")
        let next = try workspace.repo("copy", "--from", a, "--to", b, "--json", environment: asTarget)
        #expect(next.status == 0, "\(next)")
        #expect(int(next.object, "snapshots_copied") == 1 && int(next.object, "snapshots_already_copied") == 1, "\(next)")
        #expect((int(next.object, "bytes_sent") ?? .max) < (int(summary, "bytes_sent") ?? 0) / 20, "\(next) against \(copy)")
        let textCopy = try workspace.repo("copy", "--from", a, "--to", b, environment: asTarget)
        #expect(textCopy.status == 0 && textCopy.out.contains("2 already copied"), "\(textCopy)")
    }

    /// Password and location errors: one line, the documented exit codes.
    /// D5 for copy: target packs deleted behind its back. The next copy sends their blobs
    /// again instead of referring to them, and the new copy restores byte for byte.
    @Test func blobsOfPacksMissingInTheTargetAreSentAgain() throws {
        let workspace = try Workspace("copy-missing-packs")
        defer { workspace.remove() }
        try workspace.initRepository()
        let a = workspace.repository, b = workspace.path("b")
        let initB = try workspace.repo("init", "--repo", b)
        try #require(initB.status == 0, "\(initB)")
        let source = workspace.path("source")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        var random = SystemRandomNumberGenerator()
        let words = (0..<250_000).map { _ in random.next() as UInt64 }
        try words.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: source + "/data"))
        #expect(try workspace.repo("snapshot", source).status == 0)
        let first = try workspace.repo("copy", "--from", a, "--to", b)
        try #require(first.status == 0, "\(first)")
        for pack in try packFiles(in: b + "/data") { try FileManager.default.removeItem(atPath: pack.path) }

        try Data("new\n".utf8).write(to: URL(fileURLWithPath: source + "/new"))
        #expect(try workspace.repo("snapshot", source).status == 0)
        let second = try workspace.repo("copy", "--from", a, "--to", b, "--json")
        #expect(second.status == 0, "\(second)")
        let line = try #require(second.objectLines.first { $0["status"] as? String == "copied" }, "\(second)")
        let copyID = try #require(line["target"] as? String)
        let target = workspace.path("restored")
        let restore = try workspace.repo("restore", copyID, "--target", target, "--repo", b)
        #expect(restore.status == 0, "\(restore)")
        #expect(TreeComparer.compare(source, restoredPath(of: source, in: target)).isEmpty)
    }

    @Test func errors() throws {
        let workspace = try Workspace("copy-errors")
        defer { workspace.remove() }
        try workspace.initRepository()
        let a = workspace.repository, b = workspace.path("b")
        let passwordB = "e2e-target-other"
        let initB = try workspace.repo("init", "--repo", b, environment: ["REPO_PASSWORD": passwordB])
        try #require(initB.status == 0, "\(initB)")
        let data = workspace.path("data")
        try FS.mkdir(Array(data.utf8))
        try FS.writeFile(FS.join(Array(data.utf8), "f"), Array("content\n".utf8))
        let snapshot = try workspace.repo("snapshot", data)
        try #require(snapshot.status == 0, "\(snapshot)")

        // Wrong source password.
        let wrong = try workspace.repo("copy", "--from", a, "--to", b,
                                       environment: ["REPO_PASSWORD": passwordB, "REPO_FROM_PASSWORD": "not it"])
        #expect(wrong.status == 12, "\(wrong)")
        #expect(wrong.stderrLines.count == 1 && wrong.err.contains("source repository"), "\(wrong)")
        // No source password: the target's is tried, and it is wrong for the source.
        let fallback = try workspace.repo("copy", "--from", a, "--to", b, environment: ["REPO_PASSWORD": passwordB])
        #expect(fallback.status == 12 && fallback.err.contains("source repository"), "\(fallback)")
        // Wrong target password.
        let wrongTarget = try workspace.repo("copy", "--from", a, "--to", b,
                                             environment: ["REPO_PASSWORD": "not it", "REPO_FROM_PASSWORD": workspace.password])
        #expect(wrongTarget.status == 12 && wrongTarget.err.contains("target repository"), "\(wrongTarget)")
        // The source password from a file works (and wins over the environment).
        let passwordFile = workspace.path("source-password")
        try FS.writeFile(Array(passwordFile.utf8), Array((workspace.password + "\n").utf8))
        let fromFile = try workspace.repo("copy", "--from", a, "--to", b, "--from-password-file", passwordFile,
                                          environment: ["REPO_PASSWORD": passwordB, "REPO_FROM_PASSWORD": "not it"])
        #expect(fromFile.status == 0 && fromFile.out.contains("1 snapshot(s) copied"), "\(fromFile)")
        // No source repository there; no --from; the same repository on both sides.
        let missing = try workspace.repo("copy", "--from", workspace.path("nowhere"), "--to", b,
                                         environment: ["REPO_PASSWORD": passwordB])
        #expect(missing.status == 10 && missing.stderrLines.count == 1, "\(missing)")
        let noFrom = try workspace.repo("copy", "--to", b)
        #expect(noFrom.status == 2, "\(noFrom)")
        let same = try workspace.repo("copy", "--from", a, "--to", a)
        #expect(same.status == 1 && same.err.contains("same repository"), "\(same)")
        let unknown = try workspace.repo("copy", "--from", a, "--to", b, "deadbeef",
                                         environment: ["REPO_PASSWORD": passwordB, "REPO_FROM_PASSWORD": workspace.password])
        #expect(unknown.status == 1 && unknown.err.contains("deadbeef"), "\(unknown)")
    }
}
