import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The parallel restore as users see it: `--jobs`, and damage that spoils only some files.
@Suite struct RestoreJobsTests {
    /// One worker or several, the restored tree is the source tree, entry for entry.
    @Test func oneOrManyJobsRestoreTheSameTree() throws {
        let workspace = try Workspace("restore-jobs")
        defer { workspace.remove() }
        let source = workspace.path("src")
        var spec = TreeSpec(seed: 71)
        spec.tinyFiles = 400
        spec.sparseSize = 12 << 20
        try TreeGenerator.generate(at: source, spec)
        try workspace.initRepository()
        #expect(try workspace.repo("snapshot", source).status == 0)

        var written: [Int] = []
        for jobs in ["1", "4"] {
            let target = workspace.path("restore-\(jobs)")
            let restore = try workspace.repo("restore", "latest", "--target", target, "--jobs", jobs, "--json")
            #expect(restore.status == 0, "\(restore)")
            written.append(int(restore.object, "bytes_written") ?? -1)
            let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
            #expect(differences.isEmpty, "--jobs \(jobs):\n\(report(differences))")
        }
        #expect(written[0] > 0 && written[0] == written[1])
        let refused = try workspace.repo("restore", "latest", "--target", workspace.path("never"), "--jobs", "0")
        #expect(refused.status == 2, "\(refused)")
    }

    /// A flipped byte in one pack: the restore fails as damage does (13) and names the
    /// files that need the damaged blob; every other file is restored exactly.
    @Test func damagedPackSpoilsOnlyTheFilesThatUseIt() throws {
        let workspace = try Workspace("restore-damage")
        defer { workspace.remove() }
        let source = workspace.path("src")
        var spec = TreeSpec(seed: 72)
        spec.tinyFiles = 200
        spec.randomFileSizes = [1_500_000, 1_500_000, 1_500_000, 1_500_000]
        spec.textFileSizes = [800_000]
        spec.sparseSize = 0
        spec.hardLinks = false
        let tree = try TreeGenerator.generate(at: source, spec)
        #expect(try workspace.repo("init", "--pack-size", "1").status == 0)
        #expect(try workspace.repo("snapshot", source).status == 0)

        let packs = try packFiles(in: workspace.repository + "/data")
        #expect(packs.count >= 4, "\(packs.count) packs")
        let largest = try #require(packs.max { $0.size < $1.size })
        try flipBit(in: largest.path, at: largest.size / 2)

        let target = workspace.path("restore")
        let restore = try workspace.repo("restore", "latest", "--target", target, "--json")
        #expect(restore.status == 13, "\(restore)")
        #expect(int(restore.object, "damaged_blobs") ?? 0 >= 1, "\(restore)")
        let problems = (restore.object["problems"] as? [String]) ?? []
        #expect(!problems.isEmpty && problems.allSatisfy { $0.contains("is damaged") }, "\(problems)")
        #expect(problems.count < tree.files.count / 10, "only the files of the damaged blob: \(problems)")
        let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
        #expect(!differences.isEmpty)
        for difference in differences {
            let path = String(difference.prefix { $0 != ":" })
            #expect(problems.contains { $0.hasPrefix(source + "/" + path + ": ") }, "\(difference) is not explained by \(problems)")
        }
    }
}
