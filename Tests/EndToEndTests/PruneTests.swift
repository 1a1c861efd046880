import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// End-to-end tests of `repo prune` and `repo forget --prune`: space is freed with nothing
// lost, a dry run changes nothing, a prune killed at any moment is harmless, locks keep
// prune and snapshot apart, copies stored twice are reclaimed, and a lock that may still be
// live defers deletion. The suites run one after another: some of them time SIGKILLs, and
// all of them move tens of megabytes.

// MARK: - Helpers

/// What identifies a file's version: size, mtime (seconds, nanoseconds) and inode. Objects
/// in a repository are written once under new names, so a changed file shows here.
private struct FileState: Equatable, CustomStringConvertible {
    let size: Int
    let seconds: Int
    let nanoseconds: Int
    let inode: UInt64
    var description: String { "\(size) B, mtime \(seconds).\(nanoseconds), inode \(inode)" }
}

/// Every non-directory below `root`, by relative path.
private func fileStates(under root: String) throws -> [String: FileState] {
    var result: [String: FileState] = [:]
    func visit(_ relative: String) throws {
        let path = relative.isEmpty ? root : root + "/" + relative
        for name in try FS.list(Array(path.utf8)) {
            let child = relative.isEmpty ? String(decoding: name, as: UTF8.self) : relative + "/" + String(decoding: name, as: UTF8.self)
            let status = try FS.lstat(Array((root + "/" + child).utf8))
            if status.st_mode & S_IFMT == S_IFDIR {
                try visit(child)
            } else {
                result[child] = FileState(size: Int(status.st_size), seconds: Int(status.st_mtim.tv_sec),
                                          nanoseconds: Int(status.st_mtim.tv_nsec), inode: UInt64(status.st_ino))
            }
        }
    }
    try visit("")
    return result
}

/// What differs between two `fileStates`, for messages.
private func stateChanges(_ before: [String: FileState], _ after: [String: FileState]) -> String {
    var lines: [String] = []
    for (path, state) in before.sorted(by: { $0.key < $1.key }) {
        if let now = after[path] {
            if now != state { lines.append("changed \(path): \(state) → \(now)") }
        } else {
            lines.append("removed \(path)")
        }
    }
    for path in after.keys.sorted() where before[path] == nil { lines.append("added \(path)") }
    return lines.prefix(30).joined(separator: "\n") + (lines.count > 30 ? "\n… and \(lines.count - 30) more" : "")
}

/// The pack files of a repository (`data/xx/<id>` and `tree/xx/<id>`), by id, with their
/// sizes. Files that vanish while they are listed (a concurrent prune) are left out.
private func packSizes(_ repository: String) -> [String: Int] {
    var result: [String: Int] = [:]
    for kind in ["data", "tree"] {
        let top = repository + "/" + kind
        for shard in (try? FS.list(Array(top.utf8))) ?? [] {
            let shardPath = top + "/" + String(decoding: shard, as: UTF8.self)
            for name in (try? FS.list(Array(shardPath.utf8))) ?? [] {
                let text = String(decoding: name, as: UTF8.self)
                guard text.count == 64, text.allSatisfy(\.isHexDigit) else { continue }
                guard let status = try? FS.lstat(Array((shardPath + "/" + text).utf8)) else { continue }
                result[text] = Int(status.st_size)
            }
        }
    }
    return result
}

private func packIDs(_ repository: String) -> Set<String> { Set(packSizes(repository).keys) }

/// The pack files of a repository by id, with their paths relative to it (`data/xx/<id>`).
private func packPaths(_ repository: String) -> [String: String] {
    var result: [String: String] = [:]
    for kind in ["data", "tree"] {
        for shard in (try? FS.list(Array((repository + "/" + kind).utf8))) ?? [] {
            let relative = kind + "/" + String(decoding: shard, as: UTF8.self)
            for name in (try? FS.list(Array((repository + "/" + relative).utf8))) ?? [] {
                let text = String(decoding: name, as: UTF8.self)
                if text.count == 64 && text.allSatisfy(\.isHexDigit) { result[text] = relative + "/" + text }
            }
        }
    }
    return result
}

/// Bytes of all pack files (data and tree).
private func packBytes(_ repository: String) -> Int { packSizes(repository).values.reduce(0, +) }

/// The names in one directory of the repository (`locks`, `condemned` …); none if it is missing.
private func names(in repository: String, _ directory: String) -> Set<String> {
    Set(((try? FS.list(Array((repository + "/" + directory).utf8))) ?? []).map { String(decoding: $0, as: UTF8.self) })
}

/// The objects in one directory of the repository: names of 64 hex digits only, not the
/// temporary files objects are written to before they are renamed into place (a process
/// killed or stopped between the two leaves one, which is not an object).
private func objectIDs(_ repository: String, _ directory: String) -> Set<String> {
    names(in: repository, directory).filter { $0.count == 64 && $0.allSatisfy(\.isHexDigit) }
}

/// The lock objects of a repository.
func lockIDs(_ repository: String) -> Set<String> { objectIDs(repository, "locks") }

/// Whether `pid` is a process that has not exited (running or stopped; not a zombie).
func isRunning(_ pid: pid_t) -> Bool {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return false }
    let state = text[text.index(after: close)...].drop { $0 == " " }.first
    return state != nil && state != "Z" && state != "X"
}

/// A prune stopped (SIGSTOP) while it holds its lock, or nil when in `attempts` tries every
/// prune finished first; `makeGarbage` runs before each, so the prune has work to do.
func stoppedPrune(_ workspace: Workspace, attempts: Int, makeGarbage: () throws -> Void) throws -> ChildProcess? {
    for _ in 0..<attempts {
        try makeGarbage()
        let prune = try workspace.start(["prune", "--json"])
        _ = waitUntil(timeout: 30) { !lockIDs(workspace.repository).isEmpty || !isRunning(prune.pid) }
        prune.kill(SIGSTOP)
        if isRunning(prune.pid) && !lockIDs(workspace.repository).isEmpty { return prune }
        prune.kill(SIGCONT)
        #expect(prune.wait().status == 0)
    }
    return nil
}

/// Polls `condition` every half millisecond until it holds or `timeout` seconds pass.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(500)
    }
    return condition()
}

/// `cp -a from to`.
private func copyTree(_ from: String, _ to: String) throws {
    let copied = try runProgram("/bin/cp", ["-a", from, to], timeout: 300)
    guard copied.status == 0 else { throw HarnessError("cp -a \(from) \(to) failed: \(copied.err)") }
}

/// Writes `count` random files of `sizes` bytes into `directory` (created if missing).
private func writeRandomFiles(_ directory: String, prefix: String, count: Int, sizes: ClosedRange<Int>,
                              random: inout SeededRandom) throws {
    if !FS.exists(Array(directory.utf8)) { try FS.mkdir(Array(directory.utf8)) }
    for index in 0..<count {
        try FS.writeFile(Array("\(directory)/\(prefix)\(index)".utf8), random.bytes(Int.random(in: sizes, using: &random)))
    }
}

/// The `message_type: prune` object of a run's JSON output (`prune --json` prints only it;
/// `forget --prune --json` prints the forget groups first).
private func pruneObject(_ result: RunResult) -> [String: Any] {
    if let whole = result.json as? [String: Any] { return whole }
    return result.objectLines.first { $0["message_type"] as? String == "prune" } ?? [:]
}

/// Restores snapshot `id` into a fresh directory and compares it with `expected`, the copy
/// of the tree it was taken of (at `source`). Returns the differences (empty when equal).
private func restoreDifferences(_ workspace: Workspace, id: String, source: String, expected: String, label: String,
                                environment: [String: String?] = [:]) throws -> [String] {
    let target = workspace.path("restore-\(label)-\(UInt32.random(in: 0...UInt32.max))")
    defer { _ = try? runProgram("/bin/rm", ["-rf", target]) }
    let restore = try workspace.repo(["restore", id, "--target", target], environment: environment)
    guard restore.status == 0 else { return ["restore of \(id.prefix(8)) failed: \(restore)"] }
    return TreeComparer.compare(expected, restoredPath(of: source, in: target))
}

// MARK: - Tests

@Suite(.serialized) struct PruneTests {

    /// 1. forget --prune frees space with no loss; dry runs predict the real runs exactly and
    /// change no file.
    @Suite struct PruneForgetTests {
        @Test func forgetPruneFreesSpaceWithoutLoss() throws {
            let start = Date()
            let workspace = try Workspace("prune-forget")
            defer { workspace.remove() }
            let source = workspace.path("src")
            var spec = TreeSpec(seed: 31)
            spec.tinyFiles = 200
            spec.filesPerDirectory = 3...6
            spec.smallFileMaximum = 60_000
            spec.randomFileSizes = [1_500_000, 900_000]
            spec.textFileSizes = [1_000_000]
            spec.sparseSize = 0
            let tree = try TreeGenerator.generate(at: source, spec)
            let initialized = try workspace.repo("init", "--pack-size", "1")
            try #require(initialized.status == 0, "\(initialized)")

            // Five versions; each rewrites a third of the nested files, replaces a large file,
            // adds a file and removes the previous version's.
            var random = SeededRandom(seed: 3131)
            var editable = tree.plainFiles.filter { $0.starts(with: Array("d0-".utf8)) }
            try #require(editable.count > 6, "the tree has nested files to edit: \(editable.count)")
            let large = try #require(tree.randomFiles.first)
            var versions: [(id: String, copy: String)] = []
            for version in 1...5 {
                if version > 1 {
                    for relative in editable where Int.random(in: 0..<3, using: &random) == 0 {
                        try FS.writeFile(tree.absolute(relative), random.bytes(Int.random(in: 1_000...60_000, using: &random)))
                    }
                    try FS.writeFile(tree.absolute(large), random.bytes(1_500_000))
                    try FS.writeFile(Array("\(source)/added-\(version).bin".utf8), random.bytes(600_000))
                    if version > 2 { try FS.unlink(Array("\(source)/added-\(version - 1).bin".utf8)) }
                    try FS.unlink(tree.absolute(editable.removeLast()))
                }
                let snapshot = try workspace.repo("snapshot", "--json", source)
                try #require(snapshot.status == 0, "version \(version): \(snapshot)")
                let id = try #require(snapshot.object["snapshot"] as? String, "\(snapshot)")
                let copy = workspace.path("version-\(version)")
                try copyTree(source, copy)
                let faithful = TreeComparer.compare(source, copy)
                try #require(faithful.isEmpty, "cp -a must copy the tree faithfully:\n\(report(faithful))")
                versions.append((id, copy))
            }

            // The dry run of forget --prune: the same plan as the real one, and no file changed.
            let repository = workspace.repository
            let untouched = try fileStates(under: repository)
            let bytesBefore = packBytes(repository)
            let dryRun = try workspace.repo("forget", "--keep-last", "2", "--prune", "--dry-run", "--json")
            #expect(dryRun.status == 0, "\(dryRun)")
            let afterDryRun = try fileStates(under: repository)
            #expect(afterDryRun == untouched, "forget --prune --dry-run changed the repository:\n\(stateChanges(untouched, afterDryRun))")
            #expect(try snapshotList(workspace).count == 5, "a dry run forgets nothing")
            let planned = pruneObject(dryRun)
            #expect(planned["dry_run"] as? Bool == true, "\(dryRun)")

            let run = try workspace.repo("forget", "--keep-last", "2", "--prune", "--json")
            try #require(run.status == 0, "\(run)")
            let done = pruneObject(run)
            #expect(done["dry_run"] as? Bool == false, "\(run)")
            for key in ["snapshots", "blobs", "blobs_in_use", "bytes_in_use", "packs", "stored_bytes", "unused_packs", "unused_bytes",
                        "repacked_packs", "repacked_bytes", "repacked_blobs", "deleted_packs", "deleted_bytes", "condemned_packs"] {
                #expect(int(planned, key) != nil && int(planned, key) == int(done, key),
                        "the dry run must predict \(key): \(String(describing: planned[key])) vs \(String(describing: done[key]))")
            }
            let deleted = int(done, "deleted_bytes") ?? -1
            let rewritten = int(done, "rewritten_bytes") ?? -1
            #expect(int(done, "snapshots") == 2, "\(run)")
            #expect((int(done, "deleted_packs") ?? 0) > 0, "forgetting three versions leaves packs to delete: \(run)")
            #expect((int(done, "unused_packs") ?? 0) > 0, "some packs hold only forgotten data: \(run)")
            #expect((int(done, "repacked_packs") ?? 0) > 0, "some packs mix kept and forgotten data: \(run)")
            #expect(rewritten > 0 && rewritten < (int(done, "repacked_bytes") ?? 0), "\(run)")
            #expect(int(done, "condemned_packs") == 0 && (done["deferred_because"] as? [Any])?.isEmpty == true,
                    "no other process: deleted at once: \(run)")
            #expect(int(done, "stored_bytes") == bytesBefore, "stored_bytes is the size of all packs: \(run)")
            #expect(int(done, "freed_bytes") == deleted - rewritten, "\(run)")
            let bytesAfter = packBytes(repository)
            #expect(bytesBefore - bytesAfter == deleted - rewritten,
                    "packs shrank by \(bytesBefore - bytesAfter) bytes, the report says \(deleted) deleted - \(rewritten) rewritten")
            // The whole repository shrank by about as much (snapshot and index objects are small).
            let totalShrink = untouched.values.reduce(0) { $0 + $1.size } - (try fileStates(under: repository)).values.reduce(0) { $0 + $1.size }
            #expect(abs(totalShrink - (deleted - rewritten)) < 64 << 10,
                    "the repository shrank by \(totalShrink) bytes, the report says \(deleted) deleted - \(rewritten) rewritten")
            #expect(objectIDs(repository, "condemned").isEmpty && lockIDs(repository).isEmpty)

            let kept = try snapshotList(workspace).compactMap { $0["id"] as? String }
            #expect(Set(kept) == Set([versions[3].id, versions[4].id]), "\(kept)")
            let check = try workspace.repo("check", "--read-data")
            #expect(check.status == 0, "\(check)")
            for index in [3, 4] {
                let differences = try restoreDifferences(workspace, id: versions[index].id, source: source,
                                                         expected: versions[index].copy, label: "v\(index + 1)")
                #expect(differences.isEmpty, "version \(index + 1) after forget --prune:\n\(report(differences))")
            }

            // prune --dry-run, then prune: the same, and again nothing changed by the dry run.
            let forget = try workspace.repo("forget", "--keep-last", "1")
            #expect(forget.status == 0, "\(forget)")
            let before = try fileStates(under: repository)
            let bytesBefore2 = packBytes(repository)
            let dryPrune = try workspace.repo("prune", "--dry-run", "--json")
            #expect(dryPrune.status == 0, "\(dryPrune)")
            let afterDryPrune = try fileStates(under: repository)
            #expect(afterDryPrune == before, "prune --dry-run changed the repository:\n\(stateChanges(before, afterDryPrune))")
            let prune = try workspace.repo("prune", "--json")
            #expect(prune.status == 0, "\(prune)")
            for key in ["snapshots", "blobs_in_use", "unused_packs", "repacked_packs", "repacked_blobs", "deleted_packs", "deleted_bytes"] {
                #expect(int(dryPrune.object, key) != nil && int(dryPrune.object, key) == int(prune.object, key),
                        "prune --dry-run must predict \(key): \(dryPrune.out) vs \(prune.out)")
            }
            #expect((int(prune.object, "deleted_packs") ?? 0) > 0, "version 4's own data goes: \(prune)")
            let freed2 = (int(prune.object, "deleted_bytes") ?? -1) - (int(prune.object, "rewritten_bytes") ?? -1)
            #expect(bytesBefore2 - packBytes(repository) == freed2, "\(prune)")

            // A prune right after a prune has nothing to do.
            let again = try workspace.repo("prune", "--json")
            #expect(again.status == 0, "\(again)")
            for key in ["unused_packs", "repacked_packs", "unindexed_packs", "deleted_packs", "condemned_packs", "missing_packs"] {
                #expect(int(again.object, key) == 0, "\(key) after a complete prune: \(again)")
            }
            let finalCheck = try workspace.repo("check", "--read-data")
            #expect(finalCheck.status == 0, "\(finalCheck)")
            let differences = try restoreDifferences(workspace, id: versions[4].id, source: source, expected: versions[4].copy, label: "last")
            #expect(differences.isEmpty, "the last version after two prunes:\n\(report(differences))")
            print("PruneForgetTests: \(String(format: "%.1f", elapsed(since: start))) s")
        }
    }

    /// 2. A prune SIGKILLed at random moments leaves a repository that checks clean with
    /// --read-data, loses nothing, and the next prune finishes the work.
    @Suite struct PruneKillTests {
        @Test func killedPruneIsHarmless() throws {
            let start = Date()
            let workspace = try Workspace("prune-kill")
            defer { workspace.remove() }
            let source = workspace.path("src")
            try FS.mkdir(Array(source.utf8))
            let initialized = try workspace.repo("init", "--pack-size", "1")
            try #require(initialized.status == 0, "\(initialized)")

            // Eight versions of 400 small random files (12 MB); each rewrites about half of them.
            // Packs are 1 MiB, so most of them mix kept and forgotten blobs.
            var random = SeededRandom(seed: 2024)
            var kept: [(id: String, copy: String)] = []
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
            let original = packIDs(workspace.repository)

            /// A copy of the repository and the cache to prune (the cache belongs with the
            /// repository it describes: copies that diverge must not share one).
            func copyRepository(_ name: String) throws -> (repository: String, environment: [String: String?]) {
                let directory = workspace.path(name)
                try FS.mkdir(Array(directory.utf8))
                try copyTree(workspace.repository, directory + "/repository")
                if FS.exists(Array(workspace.cache.utf8)) { try copyTree(workspace.cache, directory + "/cache") }
                return (directory + "/repository", ["REPO_REPOSITORY": directory + "/repository", "XDG_CACHE_HOME": directory + "/cache"])
            }

            // One uninterrupted prune, timed from its start and from the moment its lock appears.
            let timing = try copyRepository("timing")
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
            // Where the packs it deleted live, relative to the repository.
            let deletedPacks = packPaths(workspace.repository).filter { !packIDs(timing.repository).contains($0.key) }.map(\.value)
            try #require(!deletedPacks.isEmpty)
            let prunedBytes = packBytes(timing.repository)
            _ = try runProgram("/bin/rm", ["-rf", workspace.path("timing")])

            // When each round's SIGKILL comes: a seeded random delay after an event that marks a
            // step of the prune (docs in Pruner.swift), so that every step is hit however fast
            // or loaded the machine is; the first rounds anywhere in the measured run.
            enum Anchor: String { case start, lock, newPack, condemned, indexReplaced, packDeleted }
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
                let label = "round \(round), killed \(String(format: "%.3f", delay)) s after \(anchor.rawValue) (a whole prune takes "
                    + "\(String(format: "%.3f", duration)) s, \(String(format: "%.3f", work)) s after its lock)"
                let copy = try copyRepository("round-\(round)")
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
                if killed.signal == SIGKILL {
                    killedMidway += 1
                } else {
                    #expect(killed.status == 0, "\(label): \(killed)")
                }
                let changed = packIDs(copy.repository) != original || !objectIDs(copy.repository, "condemned").isEmpty
                    || objectIDs(copy.repository, "index") != originalIndex
                if changed && killed.signal == SIGKILL { killedWhileWriting += 1 }
                timings.append("\(label): \(reached ? "" : "ended before the event, ")\(killed.signal == SIGKILL ? "killed" : "finished"), repository \(changed ? "changed" : "untouched")")

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
                #expect(leftBytes < prunedBytes + prunedBytes / 10,
                        "\(label): \(leftBytes) bytes of packs are left, an uninterrupted prune leaves \(prunedBytes)")
                _ = try runProgram("/bin/rm", ["-rf", workspace.path("round-\(round)")])
            }
            #expect(killedMidway >= rounds / 2,
                    "most prunes should have been killed while running (\(killedMidway) of \(rounds)):\n\(timings.joined(separator: "\n"))")
            #expect(killedWhileWriting >= 3,
                    "the prunes killed after an event of their writing should have been killed after they began to write:\n\(timings.joined(separator: "\n"))")
            print("PruneKillTests: \(String(format: "%.1f", elapsed(since: start))) s; one prune \(String(format: "%.2f", duration)) s\n"
                  + timings.joined(separator: "\n"))
        }
    }

    /// 3. A live snapshot keeps prune out (exit 12, nothing deleted), and a running prune
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
                    #expect(prune.status == 12, "prune must not run beside a live snapshot: \(prune)")
                    #expect(prune.combined.contains("snapshot"), "the message names the holder: \(prune)")
                }
                if prune.status == 12 {
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
            #expect(refused.status == 12, "a snapshot beside a running prune: \(refused)")
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
            // or a little apart, either first. Whoever loses exits 12; what the snapshot saved
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
                #expect([0, 12].contains(pruned.status), "\(label): \(pruned)")
                #expect([0, 12].contains(snapshot.status), "\(label): \(snapshot)")
                if pruned.status == 12 || snapshot.status == 12 { conflicts += 1 }
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
            let baseline = packIDs(workspace.repository)
            let child = try workspace.start(["snapshot", "--jobs", "1", big])
            defer { child.kill(SIGKILL); _ = child.wait() }  // only if a requirement failed first
            let writing = waitUntil(timeout: 60) {
                !isRunning(child.pid)
                    || (!lockIDs(workspace.repository).isEmpty && packIDs(workspace.repository).subtracting(baseline).count >= 3)
            }
            child.kill(SIGSTOP)
            try #require(writing && isRunning(child.pid), "the snapshot should be stopped while it runs")
            let snapshotLocks = lockIDs(workspace.repository)
            try #require(snapshotLocks.count == 1)

            // Its pid is alive: its lock may be live. Prune is refused and deletes nothing;
            // unlock leaves the lock; check (a shared lock) runs beside it.
            let packsBefore = packIDs(workspace.repository)
            let refused = try workspace.repo("prune", "--json")
            #expect(refused.status == 12, "\(refused)")
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
            let child = try workspace.start(["snapshot", "--json", "--jobs", "1", tree])
            defer { child.kill(SIGKILL); _ = child.wait() }  // only if a requirement failed first
            let writing = waitUntil(timeout: 60) {
                !isRunning(child.pid) || (!lockIDs(workspace.repository).isEmpty && packIDs(workspace.repository).count >= 2)
            }
            child.kill(SIGSTOP)
            try #require(writing && isRunning(child.pid), "the first snapshot should be stopped while it runs")
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
            /// `repo arguments` with the clock `offset` ahead ("+1h").
            func later(_ offset: String, _ arguments: String...) throws -> RunResult {
                workspace.wrapper = [Self.faketime, "-f", offset]
                defer { workspace.wrapper = [] }
                return try workspace.repo(arguments)
            }
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

            var children: [ChildProcess] = []
            defer { for child in children { child.kill(SIGKILL); _ = child.wait() } }  // only if a requirement failed first
            /// Starts a snapshot of `paths` and stops it once it holds its lock and has written
            /// `packs` packs.
            func stoppedSnapshot(_ paths: [String], packs: Int) throws -> ChildProcess {
                let baseline = packIDs(workspace.repository)
                let child = try workspace.start(["snapshot", "--json", "--jobs", "1"] + paths)
                children.append(child)
                let writing = waitUntil(timeout: 60) {
                    !isRunning(child.pid)
                        || (!lockIDs(workspace.repository).isEmpty && packIDs(workspace.repository).subtracting(baseline).count >= packs)
                }
                child.kill(SIGSTOP)
                try #require(writing && isRunning(child.pid), "the snapshot should be stopped while it runs")
                return child
            }

            // 1. A racing snapshot is kept.
            let racer = try stoppedSnapshot([tree], packs: 3)
            let condemning = try later("+1h", "prune", "--json")
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

            // 2. Condemned packs wait across prunes, and go once the grace period has passed.
            #expect(try workspace.repo("forget", racedID).status == 0)
            let everything = packIDs(workspace.repository)
            try writeRandomFiles(workspace.path("c"), prefix: "c-", count: 4, sizes: 4_000_000...4_000_000, random: &random)
            let stopped = try stoppedSnapshot([workspace.path("c")], packs: 2)
            let condemned = try later("+1h", "prune", "--json")
            #expect(condemned.status == 0, "\(condemned)")
            let count = int(condemned.object, "condemned_packs") ?? 0
            #expect(count >= everything.count && int(condemned.object, "deleted_packs") == 0, "\(condemned)")
            let waiting = try later("+90m", "prune", "--json")
            #expect(waiting.status == 0, "\(waiting)")
            #expect(int(waiting.object, "deleted_packs") == 0, "within the grace period nothing goes: \(waiting)")
            #expect((int(waiting.object, "condemned_packs") ?? 0) >= count, "what was condemned still waits: \(waiting)")
            #expect(everything.isSubset(of: packIDs(workspace.repository)))
            let due = try later("+3h", "prune", "--grace", "1h", "--json")
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
            print("PruneDeferredTests: \(String(format: "%.1f", elapsed(since: start))) s")
        }
    }

    /// 6. Writes cut short (a snapshot SIGKILLed mid-write) leave temporary files that no
    /// index lists: prune removes those a day old and leaves younger ones, which may belong
    /// to a write still in progress. A dry run removes none.
    @Suite struct PruneIncompleteWriteTests {
        @Test func dayOldTemporaryFilesGo() throws {
            let workspace = try Workspace("prune-incomplete")
            defer { workspace.remove() }
            try workspace.initRepository()
            let source = workspace.path("src")
            var random = SeededRandom(seed: 77)
            try writeRandomFiles(source, prefix: "f", count: 3, sizes: 10_000...50_000, random: &random)
            let snapshot = try workspace.repo("snapshot", source)
            try #require(snapshot.status == 0, "\(snapshot)")

            let repository = workspace.repository
            /// A temporary file as a write cut short leaves it, last modified `age` seconds ago.
            func leftover(_ relative: String, age: Int) throws -> String {
                let path = repository + "/" + relative
                try FS.writeFile(Array(path.utf8), random.bytes(1000), mode: 0o600)
                try FS.setTimes(Array(path.utf8), seconds: Int(Date().timeIntervalSince1970) - age, nanoseconds: 0)
                return path
            }
            let old = try leftover("data/3f/.tmp-0123456789abcdef", age: 2 * 86400)
            let fresh = try leftover("index/.tmp-fedcba9876543210", age: 3600)

            let dryRun = try workspace.repo("prune", "--dry-run", "--json")
            #expect(dryRun.status == 0 && int(dryRun.object, "incomplete_writes_removed") == 0, "\(dryRun)")
            #expect(FS.exists(Array(old.utf8)), "a dry run removes nothing")
            let prune = try workspace.repo("prune", "--json")
            #expect(prune.status == 0 && int(prune.object, "incomplete_writes_removed") == 1, "\(prune)")
            #expect(!FS.exists(Array(old.utf8)), "a day-old temporary file goes")
            #expect(FS.exists(Array(fresh.utf8)), "an hour-old one may be a write in progress: it stays")

            _ = try leftover("tree/00/.tmp-00000000000000ff", age: 3 * 86400)
            let text = try workspace.repo("prune")
            #expect(text.status == 0 && text.out.contains("removed 1 incomplete write ("), "\(text)")
            let quiet = try workspace.repo("prune")
            #expect(quiet.status == 0 && !quiet.out.contains("incomplete writes"), "said only when something went: \(quiet)")
            let check = try workspace.repo("check")
            #expect(check.status == 0, "\(check)")
        }
    }
}
