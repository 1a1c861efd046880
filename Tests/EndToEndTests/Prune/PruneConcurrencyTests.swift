import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension PruneTests {
    /// 3. A live snapshot keeps prune out (exit 11, nothing deleted), and a running prune
    /// keeps snapshots out; racing ones never both proceed.
    @Suite struct PruneConcurrencyTests {
        @Test func runningSnapshotBlocksPrune() throws {
            let start = Date()
            let workspace = try Workspace("prune-concurrent")
            defer { workspace.remove() }
            try workspace.initRepository()
            var random = SeededRandom(seed: 33)

            // Garbage: the packs of a forgotten snapshot.
            let old = workspace.path("old")
            try writeRandomFiles(old, prefix: "old-", count: 3, sizes: 1_000_000...1_000_000, random: &random)
            let empty = packIDs(workspace.repository)
            let oldSnapshot = try workspace.repo("snapshot", "--json", old)
            try #require(oldSnapshot.status == 0, "\(oldSnapshot)")
            let garbage = packIDs(workspace.repository).subtracting(empty)
            try #require(!garbage.isEmpty)
            let forget = try workspace.repo("forget", try #require(oldSnapshot.object["snapshot"] as? String))
            try #require(forget.status == 0, "\(forget)")

            // A long snapshot: 120 MB of random data, one thread.
            let big = workspace.path("big")
            try writeRandomFiles(big, prefix: "big-", count: 12, sizes: 10_000_000...10_000_000, random: &random)
            try writeRandomFiles(big + "/small", prefix: "s-", count: 200, sizes: 0...5_000, random: &random)
            let child = try workspace.start(["snapshot", "--json", "--jobs", "1", big])
            defer { child.kill(SIGKILL); _ = child.wait() }  // only if a requirement failed first
            let locked = waitUntil(timeout: 30) { !lockIDs(workspace.repository).isEmpty || !isRunning(child.pid) }
            try #require(locked && isRunning(child.pid), "the snapshot should be running with its lock")

            var blocked = 0
            var attempts: [String] = []
            while isRunning(child.pid) {
                let locksBefore = lockIDs(workspace.repository)
                let packsBefore = packIDs(workspace.repository)
                let prune = try workspace.repo("prune", "--json")
                let locksAfter = lockIDs(workspace.repository)
                let packsAfter = packIDs(workspace.repository)
                let heldThroughout = !locksBefore.intersection(locksAfter).isEmpty
                attempts.append("status \(prune.status), snapshot lock held throughout: \(heldThroughout)")
                if heldThroughout {
                    #expect(prune.status == 11, "prune must not run beside a live snapshot: \(prune)")
                    #expect(prune.combined.contains("snapshot"), "the message names the holder: \(prune)")
                }
                if prune.status == 11 {
                    blocked += 1
                    #expect(packsBefore.isSubset(of: packsAfter), "a locked-out prune deleted \(packsBefore.subtracting(packsAfter).count) packs")
                    #expect(garbage.isSubset(of: packsAfter), "a locked-out prune deleted garbage")
                } else {
                    #expect(prune.status == 0, "\(prune)")
                }
            }
            let snapshot = child.wait()
            try #require(snapshot.status == 0, "\(snapshot)")
            let id = try #require(snapshot.object["snapshot"] as? String, "\(snapshot)")
            #expect(blocked >= 1, "prune should have met the snapshot's lock: \(attempts)")

            let prune = try workspace.repo("prune", "--json")
            #expect(prune.status == 0, "prune after the snapshot finished: \(prune)")
            #expect(int(prune.object, "condemned_packs") == 0, "\(prune)")
            #expect(packIDs(workspace.repository).isDisjoint(with: garbage), "the forgotten snapshot's packs are gone: \(prune)")
            let check = try workspace.repo("check", "--read-data")
            #expect(check.status == 0, "\(check)")
            let differences = try restoreDifferences(workspace, id: id, source: big, expected: big, label: "big")
            #expect(differences.isEmpty, "\(report(differences))")
            print("PruneConcurrencyTests.runningSnapshotBlocksPrune: \(String(format: "%.1f", elapsed(since: start))) s, "
                  + "snapshot \(String(format: "%.1f", snapshot.seconds)) s, \(attempts.count) prunes tried, \(blocked) locked out")
        }

        @Test func runningPruneBlocksSnapshot() throws {
            let start = Date()
            let workspace = try Workspace("prune-exclusive")
            defer { workspace.remove() }
            let initialized = try workspace.repo("init", "--pack-size", "1")
            try #require(initialized.status == 0, "\(initialized)")
            var random = SeededRandom(seed: 34)
            let race = workspace.path("race")
            try writeRandomFiles(race, prefix: "large-", count: 5, sizes: 8_000_000...8_000_000, random: &random)
            try writeRandomFiles(race + "/small", prefix: "s-", count: 60, sizes: 1_000...20_000, random: &random)
            let copy = workspace.path("race-copy")
            try copyTree(race, copy)

            /// Makes the race tree's data garbage: a snapshot of it, forgotten. A snapshot of
            /// the same tree then finds every blob in the index, in packs a prune would delete.
            func makeGarbage() throws {
                let snapshot = try workspace.repo("snapshot", "--json", race)
                try #require(snapshot.status == 0, "\(snapshot)")
                let ids = try snapshotList(workspace).compactMap { $0["id"] as? String }
                let forget = try workspace.repo(["forget"] + ids)
                try #require(forget.status == 0, "\(forget)")
            }

            // A prune stopped while it holds its lock: a snapshot is refused and writes nothing.
            let stopped = try stoppedPrune(workspace, attempts: 5, makeGarbage: makeGarbage)
            let prune = try #require(stopped, "could not stop a prune while it held its lock")
            defer { prune.kill(SIGKILL); _ = prune.wait() }  // only if a requirement failed first
            let packsBefore = packIDs(workspace.repository)
            let refused = try workspace.repo("snapshot", "--json", race)
            #expect(refused.status == 11, "a snapshot beside a running prune: \(refused)")
            #expect(refused.combined.contains("prune"), "the message names the holder: \(refused)")
            #expect(try snapshotList(workspace).isEmpty, "the refused snapshot wrote no snapshot")
            #expect(packIDs(workspace.repository).isSubset(of: packsBefore), "the refused snapshot wrote no pack")
            prune.kill(SIGCONT)
            let finished = prune.wait()
            #expect(finished.status == 0, "\(finished)")
            #expect((int(finished.object, "deleted_packs") ?? 0) > 0, "\(finished)")
            let check = try workspace.repo("check", "--read-data")
            #expect(check.status == 0, "\(check)")

            // Races: prune and a snapshot that deduplicates against the garbage prune deletes
            // (it reads 40 MB on one thread, so it holds its lock a while), started together
            // or a little apart, either first. Whoever loses exits 11; what the snapshot saved
            // (if it won) must restore.
            var conflicts = 0
            var outcomes: [String] = []
            let snapshotRace = ["snapshot", "--json", "--jobs", "1", race]
            for round in 0..<4 {
                try makeGarbage()
                let offset = useconds_t((round / 2) * 50_000)
                let first = try workspace.start(round % 2 == 0 ? ["prune", "--json"] : snapshotRace)
                usleep(offset)
                let second = try workspace.start(round % 2 == 0 ? snapshotRace : ["prune", "--json"])
                let (pruned, snapshot) = round % 2 == 0 ? (first.wait(), second.wait()) : (second.wait(), first.wait())
                let label = "round \(round): prune \(pruned.status), snapshot \(snapshot.status)"
                outcomes.append(label)
                #expect([0, 11].contains(pruned.status), "\(label): \(pruned)")
                #expect([0, 11].contains(snapshot.status), "\(label): \(snapshot)")
                if pruned.status == 11 || snapshot.status == 11 { conflicts += 1 }
                #expect(lockIDs(workspace.repository).isEmpty, "\(label): locks left behind")
                let check = try workspace.repo("check", "--read-data")
                #expect(check.status == 0, "\(label): \(check)")
                if snapshot.status == 0 {
                    let id = try #require(snapshot.object["snapshot"] as? String, "\(snapshot)")
                    let differences = try restoreDifferences(workspace, id: id, source: race, expected: copy, label: "race-\(round)")
                    #expect(differences.isEmpty, "\(label):\n\(report(differences))")
                }
            }
            #expect(conflicts >= 1, "prune and snapshot started together should have met: \(outcomes)")
            print("PruneConcurrencyTests.runningPruneBlocksSnapshot: \(String(format: "%.1f", elapsed(since: start))) s; \(outcomes)")
        }
    }
}
