import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension PruneTests {
    /// 2. A prune SIGKILLed at random moments leaves a repository that checks clean with
    /// --read-data, loses nothing, and the next prune finishes the work.
    @Suite struct PruneKillTests {
        /// A snapshot, and a copy of the tree it was taken of.
        typealias Version = (id: String, copy: String)

        /// The events that mark a step of the prune (docs in Pruner.swift).
        enum Anchor: String { case start, lock, newPack, condemned, indexReplaced, packDeleted }

        /// The repository before any prune, and one uninterrupted prune of a copy of it.
        struct Reference {
            /// The packs and index objects before the prune.
            let packs: Set<String>
            let index: Set<String>
            /// Where the packs the prune deleted live, relative to the repository.
            let deletedPacks: [String]
            /// Bytes of the packs it left.
            let prunedBytes: Int
            /// How long it took, from its start and from the moment its lock appeared.
            let duration: Double
            let work: Double
        }

        @Test func killedPruneIsHarmless() throws {
            let start = Date()
            let workspace = try Workspace("prune-kill")
            defer { workspace.remove() }
            let source = workspace.path("src")
            let kept = try snapshotEightVersionsKeepingTwo(workspace, source: source)
            let reference = try timeOnePrune(workspace)

            // When each round's SIGKILL comes: a seeded random delay after an event that marks a
            // step of the prune, so that every step is hit however fast or loaded the machine is;
            // the first rounds anywhere in the measured run.
            let (duration, work) = (reference.duration, reference.work)
            var delays = SeededRandom(seed: 0xDEAD)
            let plan: [(Anchor, Double)] = [
                (.start, Double.random(in: 0...duration, using: &delays)),
                (.start, Double.random(in: 0...duration, using: &delays)),
                (.lock, Double.random(in: 0...work, using: &delays)),
                (.lock, Double.random(in: 0...work, using: &delays)),
                (.newPack, Double.random(in: 0...0.05, using: &delays)),
                (.condemned, Double.random(in: 0...0.005, using: &delays)),
                (.indexReplaced, 0),
                (.packDeleted, Double.random(in: 0...0.003, using: &delays)),
            ]
            let rounds = plan.count
            var killedMidway = 0
            var killedWhileWriting = 0
            var timings: [String] = []
            for (round, (anchor, delay)) in plan.enumerated() {
                let outcome = try killAndRecover(workspace, round: round, anchor: anchor, delay: delay, reference: reference,
                                                 kept: kept, source: source)
                if outcome.killed { killedMidway += 1 }
                if outcome.changed && outcome.killed { killedWhileWriting += 1 }
                timings.append(outcome.timing)
            }
            #expect(killedMidway >= rounds / 2,
                    "most prunes should have been killed while running (\(killedMidway) of \(rounds)):\n\(timings.joined(separator: "\n"))")
            #expect(killedWhileWriting >= 3,
                    "the prunes killed after an event of their writing should have been killed after they began to write:\n\(timings.joined(separator: "\n"))")
            print("PruneKillTests: \(String(format: "%.1f", elapsed(since: start))) s; one prune \(String(format: "%.2f", duration)) s\n"
                  + timings.joined(separator: "\n"))
        }

        /// Eight versions of 400 small random files (12 MB); each rewrites about half of them.
        /// Packs are 1 MiB, so most of them mix kept and forgotten blobs. The last two are kept.
        private func snapshotEightVersionsKeepingTwo(_ workspace: Workspace, source: String) throws -> [Version] {
            try FS.mkdir(Array(source.utf8))
            let initialized = try workspace.repo("init", "--pack-size", "1")
            try #require(initialized.status == 0, "\(initialized)")
            var random = SeededRandom(seed: 2024)
            var kept: [Version] = []
            for version in 1...8 {
                for directory in 0..<10 {
                    let path = "\(source)/d\(directory)"
                    if version == 1 { try FS.mkdir(Array(path.utf8)) }
                    for file in 0..<40 where version == 1 || Bool.random(using: &random) {
                        try FS.writeFile(Array("\(path)/f\(file)".utf8), random.bytes(Int.random(in: 1_000...60_000, using: &random)))
                    }
                }
                let snapshot = try workspace.repo("snapshot", "--json", source)
                try #require(snapshot.status == 0, "version \(version): \(snapshot)")
                if version >= 7 {
                    let copy = workspace.path("version-\(version)")
                    try copyTree(source, copy)
                    kept.append((try #require(snapshot.object["snapshot"] as? String), copy))
                }
            }
            let forget = try workspace.repo("forget", "--keep-last", "2")
            try #require(forget.status == 0, "\(forget)")
            return kept
        }

        /// A copy of the repository and the cache to prune (the cache belongs with the
        /// repository it describes: copies that diverge must not share one).
        private func copyRepository(_ workspace: Workspace, _ name: String) throws -> (repository: String, environment: [String: String?]) {
            let directory = workspace.path(name)
            try FS.mkdir(Array(directory.utf8))
            try copyTree(workspace.repository, directory + "/repository")
            if FS.exists(Array(workspace.cache.utf8)) { try copyTree(workspace.cache, directory + "/cache") }
            return (directory + "/repository", ["REPO_REPOSITORY": directory + "/repository", "XDG_CACHE_HOME": directory + "/cache"])
        }

        /// One uninterrupted prune of a copy, timed from its start and from the moment its
        /// lock appears.
        private func timeOnePrune(_ workspace: Workspace) throws -> Reference {
            let original = packIDs(workspace.repository)
            let timing = try copyRepository(workspace, "timing")
            let originalIndex = objectIDs(timing.repository, "index")
            let timed = Date()
            let timingChild = try workspace.start(["prune", "--json"], environment: timing.environment)
            _ = waitUntil(timeout: 60) { !lockIDs(timing.repository).isEmpty || !isRunning(timingChild.pid) }
            let untilLocked = elapsed(since: timed)
            let uninterrupted = timingChild.wait()
            let duration = elapsed(since: timed)
            let work = max(duration - untilLocked, 0.01)
            try #require(uninterrupted.status == 0, "\(uninterrupted)")
            #expect((int(uninterrupted.object, "deleted_packs") ?? 0) > 20, "\(uninterrupted)")
            #expect((int(uninterrupted.object, "repacked_packs") ?? 0) > 10, "\(uninterrupted)")
            #expect(!originalIndex.isSubset(of: objectIDs(timing.repository, "index")), "prune replaces index objects")
            let deletedPacks = packPaths(workspace.repository).filter { !packIDs(timing.repository).contains($0.key) }.map(\.value)
            try #require(!deletedPacks.isEmpty)
            let prunedBytes = packBytes(timing.repository)
            _ = try runProgram("/bin/rm", ["-rf", workspace.path("timing")])
            return Reference(packs: original, index: originalIndex, deletedPacks: deletedPacks, prunedBytes: prunedBytes,
                             duration: duration, work: work)
        }

        /// One round: a prune of a fresh copy, SIGKILLed `delay` seconds after `anchor`; then
        /// unlock, check, the next prune, restores, and nothing left over. Returns whether it
        /// was killed (not finished first), whether it had changed the repository, and a line
        /// for the report.
        private func killAndRecover(_ workspace: Workspace, round: Int, anchor: Anchor, delay: Double, reference: Reference,
                                    kept: [Version], source: String) throws -> (killed: Bool, changed: Bool, timing: String) {
            let (original, originalIndex, deletedPacks) = (reference.packs, reference.index, reference.deletedPacks)
            let label = "round \(round), killed \(String(format: "%.3f", delay)) s after \(anchor.rawValue) (a whole prune takes "
                + "\(String(format: "%.3f", reference.duration)) s, \(String(format: "%.3f", reference.work)) s after its lock)"
            let copy = try copyRepository(workspace, "round-\(round)")
            let child = try workspace.start(["prune"], environment: copy.environment)
            var reached = false
            _ = waitUntil(timeout: 60) {
                guard isRunning(child.pid) else { return true }
                reached = switch anchor {
                case .start: true
                case .lock: !lockIDs(copy.repository).isEmpty
                case .newPack: !packIDs(copy.repository).isSubset(of: original)
                case .condemned: !objectIDs(copy.repository, "condemned").isEmpty
                case .indexReplaced: !originalIndex.isSubset(of: objectIDs(copy.repository, "index"))
                case .packDeleted: deletedPacks.contains { !FS.exists(Array((copy.repository + "/" + $0).utf8)) }
                }
                return reached
            }
            usleep(useconds_t(delay * 1_000_000))
            child.kill(SIGKILL)
            let killed = child.wait(timeout: 60)
            if killed.signal != SIGKILL {
                #expect(killed.status == 0, "\(label): \(killed)")
            }
            let changed = packIDs(copy.repository) != original || !objectIDs(copy.repository, "condemned").isEmpty
                || objectIDs(copy.repository, "index") != originalIndex
            let timing = "\(label): \(reached ? "" : "ended before the event, ")\(killed.signal == SIGKILL ? "killed" : "finished"), repository \(changed ? "changed" : "untouched")"

            let unlock = try workspace.repo(["unlock"], environment: copy.environment)
            #expect(unlock.status == 0, "\(label): \(unlock)")
            #expect(lockIDs(copy.repository).isEmpty, "\(label): the dead prune's lock is stale")
            let check = try workspace.repo(["check", "--read-data"], environment: copy.environment)
            #expect(check.status == 0, "\(label): check after the kill: \(check)")
            #expect(try workspace.repo(["snapshots", "--json"], environment: copy.environment).array.count == 2, "\(label)")

            let prune = try workspace.repo(["prune", "--json"], environment: copy.environment)
            #expect(prune.status == 0, "\(label): prune after the kill: \(prune)")
            let recheck = try workspace.repo(["check", "--read-data"], environment: copy.environment)
            #expect(recheck.status == 0, "\(label): check after the next prune: \(recheck)")
            for (index, snapshot) in kept.enumerated() {
                let differences = try restoreDifferences(workspace, id: snapshot.id, source: source, expected: snapshot.copy,
                                                         label: "r\(round)-\(index)", environment: copy.environment)
                #expect(differences.isEmpty, "\(label): version \(index + 7):\n\(report(differences))")
            }
            // The kill left nothing the next prune did not clean up.
            let after = try workspace.repo(["prune", "--dry-run", "--json"], environment: copy.environment)
            #expect(after.status == 0, "\(label): \(after)")
            for key in ["unused_packs", "repacked_packs", "unindexed_packs", "missing_packs", "deleted_packs", "condemned_packs"] {
                #expect(int(after.object, key) == 0, "\(label): \(key) left after the recovery prune: \(after)")
            }
            #expect(objectIDs(copy.repository, "condemned").isEmpty, "\(label): condemned lists left behind")
            let leftBytes = packBytes(copy.repository)
            #expect(leftBytes < reference.prunedBytes + reference.prunedBytes / 10,
                    "\(label): \(leftBytes) bytes of packs are left, an uninterrupted prune leaves \(reference.prunedBytes)")
            _ = try runProgram("/bin/rm", ["-rf", workspace.path("round-\(round)")])
            return (killed.signal == SIGKILL, changed, timing)
        }
    }
}
