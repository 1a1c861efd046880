import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension PruneTests {
    /// 4. A stopped snapshot (its pid alive) keeps prune out; once it is killed its lock is
    /// certainly dead, and prune deletes at once (nothing condemned).
    @Suite struct PruneStaleLockTests {
        @Test func stoppedSnapshotBlocksPruneUntilKilled() throws {
            let start = Date()
            let workspace = try Workspace("prune-stopped")
            defer { workspace.remove() }
            let initialized = try workspace.repo("init", "--pack-size", "1")
            try #require(initialized.status == 0, "\(initialized)")
            var random = SeededRandom(seed: 44)

            // A snapshot that stays, and one that is forgotten (garbage).
            let keep = workspace.path("keep")
            try writeRandomFiles(keep, prefix: "k-", count: 40, sizes: 1_000...80_000, random: &random)
            let kept = try workspace.repo("snapshot", "--json", keep)
            try #require(kept.status == 0, "\(kept)")
            let keptID = try #require(kept.object["snapshot"] as? String)
            let beforeOld = packIDs(workspace.repository)
            let old = workspace.path("old")
            try writeRandomFiles(old, prefix: "o-", count: 3, sizes: 1_200_000...1_200_000, random: &random)
            let oldSnapshot = try workspace.repo("snapshot", "--json", old)
            try #require(oldSnapshot.status == 0, "\(oldSnapshot)")
            let garbage = packIDs(workspace.repository).subtracting(beforeOld)
            try #require(!garbage.isEmpty)
            #expect(try workspace.repo("forget", try #require(oldSnapshot.object["snapshot"] as? String)).status == 0)

            // A big snapshot, stopped once it holds its lock and has written a few packs.
            let big = workspace.path("big")
            try writeRandomFiles(big, prefix: "b-", count: 8, sizes: 8_000_000...8_000_000, random: &random)
            let child = try stoppedSnapshot(workspace, ["snapshot", "--jobs", "1", big], packs: 3)
            defer { child.kill(SIGKILL); _ = child.wait() }  // only if a requirement failed first
            let snapshotLocks = lockIDs(workspace.repository)
            try #require(snapshotLocks.count == 1)

            // Its pid is alive: its lock may be live. Prune is refused and deletes nothing;
            // unlock leaves the lock; check (a shared lock) runs beside it.
            let packsBefore = packIDs(workspace.repository)
            let refused = try workspace.repo("prune", "--json")
            #expect(refused.status == 11, "\(refused)")
            #expect(refused.combined.contains("snapshot"), "the message names the holder: \(refused)")
            #expect(packIDs(workspace.repository) == packsBefore, "a refused prune deletes nothing")
            let unlock = try workspace.repo("unlock")
            #expect(unlock.status == 0, "\(unlock)")
            #expect(lockIDs(workspace.repository) == snapshotLocks, "unlock must keep a live process's lock")
            let sharedCheck = try workspace.repo("check")
            #expect(sharedCheck.status == 0, "check beside a stopped snapshot: \(sharedCheck)")

            // Killed, its pid is dead: prune runs and deletes at once, the partial snapshot's
            // packs included.
            child.kill(SIGKILL)
            let killed = child.wait(timeout: 30)
            #expect(killed.signal == SIGKILL, "\(killed)")
            let prune = try workspace.repo("prune", "--json")
            #expect(prune.status == 0, "\(prune)")
            #expect(int(prune.object, "condemned_packs") == 0, "a dead process's lock defers nothing: \(prune)")
            #expect((prune.object["deferred_because"] as? [Any])?.isEmpty == true, "\(prune)")
            #expect((int(prune.object, "deleted_packs") ?? 0) >= garbage.count + 3, "garbage and the killed snapshot's packs: \(prune)")
            #expect((int(prune.object, "unused_packs") ?? 0) + (int(prune.object, "unindexed_packs") ?? 0) >= garbage.count + 3, "\(prune)")
            let remaining = packIDs(workspace.repository)
            #expect(remaining.isDisjoint(with: garbage), "garbage deleted")
            #expect(remaining.subtracting(beforeOld).isEmpty, "only the kept snapshot's packs stay: \(remaining.subtracting(beforeOld).count) others")
            #expect(objectIDs(workspace.repository, "condemned").isEmpty)

            let check = try workspace.repo("check", "--read-data")
            #expect(check.status == 0, "\(check)")
            let differences = try restoreDifferences(workspace, id: keptID, source: keep, expected: keep, label: "keep")
            #expect(differences.isEmpty, "\(report(differences))")
            let unlockStale = try workspace.repo("unlock")
            #expect(unlockStale.status == 0, "\(unlockStale)")
            #expect(lockIDs(workspace.repository).isEmpty, "unlock removes the dead snapshot's lock")
            print("PruneStaleLockTests: \(String(format: "%.1f", elapsed(since: start))) s")
        }
    }
}
