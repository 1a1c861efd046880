import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension PruneTests {
    /// 5. Deferred deletion: a lock that is stale by time (not refreshed for 30 minutes) but
    /// whose process may still live, as on a host cut off from the repository, lets prune run
    /// but only condemn. A snapshot that deduplicated against the condemned packs commits
    /// anyway; it restores, and the next prune puts those packs back. Condemned packs wait
    /// across prunes until --grace has passed, or until no possibly-live lock is left.
    ///
    /// Such a lock cannot be made through the CLI, so prune runs under faketime (an hour or
    /// more in the future), to which a stopped snapshot's fresh lock looks stale. Without
    /// /usr/bin/faketime (Debian: `apt-get install faketime`) the test is skipped.
    @Suite struct PruneDeferredTests {
        static let faketime = "/usr/bin/faketime"

        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: faketime), "needs faketime to make a live lock look stale"))
        func staleButPossiblyLiveLockDefersDeletion() throws {
            let start = Date()
            let workspace = try Workspace("prune-deferred")
            defer { workspace.remove() }
            let initialized = try workspace.repo("init", "--pack-size", "1")
            try #require(initialized.status == 0, "\(initialized)")
            var random = SeededRandom(seed: 55)
            // `a/` is snapshotted first and forgotten (garbage); a snapshot of the whole tree
            // then reads `a/` first, finds its blobs in the index, and spends a while on `b/`.
            let tree = workspace.path("tree")
            try FS.mkdir(Array(tree.utf8))
            try writeRandomFiles(tree + "/a", prefix: "a-", count: 5, sizes: 2_000_000...2_000_000, random: &random)
            try writeRandomFiles(tree + "/b", prefix: "b-", count: 5, sizes: 8_000_000...8_000_000, random: &random)
            let first = try workspace.repo("snapshot", "--json", tree + "/a")
            try #require(first.status == 0, "\(first)")
            let garbage = packIDs(workspace.repository)
            #expect(try workspace.repo("forget", try #require(first.object["snapshot"] as? String)).status == 0)

            let racedID = try racingSnapshotIsKept(workspace, tree: tree, garbage: garbage)
            try condemnedPacksWaitForTheGracePeriod(workspace, raced: racedID, random: &random)
            print("PruneDeferredTests: \(String(format: "%.1f", elapsed(since: start))) s")
        }

        /// `repo arguments` with the clock `offset` ahead ("+1h").
        private func later(_ workspace: Workspace, _ offset: String, _ arguments: String...) throws -> RunResult {
            workspace.wrapper = [Self.faketime, "-f", offset]
            defer { workspace.wrapper = [] }
            return try workspace.repo(arguments)
        }

        /// 1. A racing snapshot (stopped while it holds its lock, so a prune an hour later sees
        /// it stale but possibly live) is kept: prune only condemns; the snapshot commits,
        /// restores, and the next prune puts the condemned packs it uses back. Returns its id.
        private func racingSnapshotIsKept(_ workspace: Workspace, tree: String, garbage: Set<String>) throws -> String {
            let racer = try stoppedSnapshot(workspace, ["snapshot", "--json", "--jobs", "1", tree], packs: 3)
            defer { racer.kill(SIGKILL); _ = racer.wait() }  // only if a requirement failed first
            let condemning = try later(workspace, "+1h", "prune", "--json")
            #expect(condemning.status == 0, "a lock stale by time does not block prune: \(condemning)")
            #expect(int(condemning.object, "deleted_packs") == 0, "nothing may be deleted while a process may run: \(condemning)")
            #expect((int(condemning.object, "condemned_packs") ?? 0) >= garbage.count, "\(condemning)")
            #expect(((condemning.object["deferred_because"] as? [String]) ?? []).contains { $0.contains("snapshot") }, "\(condemning)")
            #expect(garbage.isSubset(of: packIDs(workspace.repository)), "condemned packs stay until a later prune")
            #expect(!objectIDs(workspace.repository, "condemned").isEmpty)
            let checkCondemned = try workspace.repo("check")
            #expect(checkCondemned.status == 0, "\(checkCondemned)")

            racer.kill(SIGCONT)
            let raced = racer.wait()
            try #require(raced.status == 0, "\(raced)")
            let racedID = try #require(raced.object["snapshot"] as? String)
            let checkRaced = try workspace.repo("check", "--read-data")
            #expect(checkRaced.status == 0, "a snapshot that refers to condemned packs is not damage: \(checkRaced)")
            var differences = try restoreDifferences(workspace, id: racedID, source: tree, expected: tree, label: "raced")
            #expect(differences.isEmpty, "the raced snapshot restores from condemned packs:\n\(report(differences))")
            let restoring = try workspace.repo("prune", "--json")
            #expect(restoring.status == 0, "\(restoring)")
            #expect((int(restoring.object, "restored_packs") ?? 0) >= 5, "a/'s packs go back into the index: \(restoring)")
            #expect(int(restoring.object, "condemned_packs") == 0, "\(restoring)")
            #expect(objectIDs(workspace.repository, "condemned").isEmpty, "no condemned list is left")
            let checkRestored = try workspace.repo("check", "--read-data")
            #expect(checkRestored.status == 0, "\(checkRestored)")
            differences = try restoreDifferences(workspace, id: racedID, source: tree, expected: tree, label: "restored")
            #expect(differences.isEmpty, "\(report(differences))")
            let settled = try workspace.repo("prune", "--dry-run", "--json")
            // (A restored pack may still hold the forgotten snapshot's trees: repacking it is
            // the next prune's business.)
            #expect(int(settled.object, "unused_packs") == 0 && int(settled.object, "unindexed_packs") == 0
                        && int(settled.object, "condemned_packs") == 0, "\(settled)")
            return racedID
        }

        /// 2. Condemned packs wait across prunes, and go once the grace period has passed.
        private func condemnedPacksWaitForTheGracePeriod(_ workspace: Workspace, raced racedID: String,
                                                         random: inout SeededRandom) throws {
            #expect(try workspace.repo("forget", racedID).status == 0)
            let everything = packIDs(workspace.repository)
            try writeRandomFiles(workspace.path("c"), prefix: "c-", count: 4, sizes: 4_000_000...4_000_000, random: &random)
            let stopped = try stoppedSnapshot(workspace, ["snapshot", "--json", "--jobs", "1", workspace.path("c")], packs: 2)
            defer { stopped.kill(SIGKILL); _ = stopped.wait() }  // only if a requirement failed first
            let condemned = try later(workspace, "+1h", "prune", "--json")
            #expect(condemned.status == 0, "\(condemned)")
            let count = int(condemned.object, "condemned_packs") ?? 0
            #expect(count >= everything.count && int(condemned.object, "deleted_packs") == 0, "\(condemned)")
            let waiting = try later(workspace, "+90m", "prune", "--json")
            #expect(waiting.status == 0, "\(waiting)")
            #expect(int(waiting.object, "deleted_packs") == 0, "within the grace period nothing goes: \(waiting)")
            #expect((int(waiting.object, "condemned_packs") ?? 0) >= count, "what was condemned still waits: \(waiting)")
            #expect(everything.isSubset(of: packIDs(workspace.repository)))
            let due = try later(workspace, "+3h", "prune", "--grace", "1h", "--json")
            #expect(due.status == 0, "\(due)")
            #expect((int(due.object, "deleted_packs") ?? 0) >= count, "past the grace period condemned packs go: \(due)")
            #expect(packIDs(workspace.repository).isDisjoint(with: everything), "every forgotten pack is gone")

            stopped.kill(SIGKILL)
            #expect(stopped.wait().signal == SIGKILL)
            let final = try workspace.repo("prune", "--json")
            #expect(final.status == 0 && int(final.object, "condemned_packs") == 0, "\(final)")
            #expect(packIDs(workspace.repository).isEmpty, "no snapshot is left, so no pack: \(packIDs(workspace.repository).count) left")
            #expect(objectIDs(workspace.repository, "condemned").isEmpty)
            let finalCheck = try workspace.repo("check", "--read-data")
            #expect(finalCheck.status == 0, "\(finalCheck)")
        }
    }
}
