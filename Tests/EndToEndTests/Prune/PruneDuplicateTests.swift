import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension PruneTests {
    /// Two snapshots that store the same new data at once both write it (neither sees the
    /// other's packs): prune keeps one copy. With packs of many small blobs, each copy's pack
    /// holds some of the copies the index prefers, so no pack looks unused; only counting the
    /// other copies as unused space reclaims them.
    @Suite struct PruneDuplicateTests {
        @Test func copiesStoredByConcurrentSnapshotsAreReclaimed() throws {
            let start = Date()
            let workspace = try Workspace("prune-duplicates")
            defer { workspace.remove() }
            let initialized = try workspace.repo("init", "--pack-size", "1")
            try #require(initialized.status == 0, "\(initialized)")
            var random = SeededRandom(seed: 66)
            let tree = workspace.path("tree")
            try FS.mkdir(Array(tree.utf8))
            for directory in 0..<10 {
                try writeRandomFiles("\(tree)/d\(directory)", prefix: "f", count: 150, sizes: 2_000...10_000, random: &random)
            }

            // The first snapshot is stopped once it has written a few packs (it has loaded the
            // index); the second stores the whole tree meanwhile; the first then goes on.
            let child = try stoppedSnapshot(workspace, ["snapshot", "--json", "--jobs", "1", tree], packs: 2, "the first snapshot")
            defer { child.kill(SIGKILL); _ = child.wait() }  // only if a requirement failed first
            let second = try workspace.repo("snapshot", "--json", tree)
            try #require(second.status == 0, "\(second)")
            child.kill(SIGCONT)
            let first = child.wait()
            try #require(first.status == 0, "\(first)")

            let before = try workspace.repo("prune", "--dry-run", "--json")
            let stored = int(before.object, "stored_bytes") ?? 0, inUse = int(before.object, "bytes_in_use") ?? 0
            #expect(stored > inUse * 13 / 10, "the two snapshots stored much of the tree twice: \(before)")
            let prune = try workspace.repo("prune", "--json")
            #expect(prune.status == 0, "\(prune)")
            let after = try workspace.repo("prune", "--dry-run", "--json")
            let storedAfter = int(after.object, "stored_bytes") ?? .max, inUseAfter = int(after.object, "bytes_in_use") ?? 0
            #expect(inUseAfter == inUse, "\(after)")
            #expect(storedAfter - inUseAfter < inUseAfter / 20 + (256 << 10),
                    "one copy is left (\(storedAfter) bytes stored for \(inUseAfter) in use): \(prune)")
            #expect(int(after.object, "repacked_packs") == 0 && int(after.object, "unused_packs") == 0, "\(after)")
            let check = try workspace.repo("check", "--read-data")
            #expect(check.status == 0, "\(check)")
            for result in [first, second] {
                let id = try #require(result.object["snapshot"] as? String, "\(result)")
                let differences = try restoreDifferences(workspace, id: id, source: tree, expected: tree, label: String(id.prefix(8)))
                #expect(differences.isEmpty, "\(report(differences))")
            }
            print("PruneDuplicateTests: \(String(format: "%.1f", elapsed(since: start))) s")
        }
    }
}
