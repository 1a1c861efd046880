import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every pack file under `directory` (`data/xx/<64 hex>`), with its size.
func packFiles(in directory: String) throws -> [(path: String, id: String, size: Int)] {
    var result: [(String, String, Int)] = []
    for prefix in try FS.list(Array(directory.utf8)) {
        let prefixPath = FS.join(Array(directory.utf8), prefix)
        guard try FS.lstat(prefixPath).st_mode & S_IFMT == S_IFDIR else { continue }
        for name in try FS.list(prefixPath) {
            let path = FS.join(prefixPath, name)
            let text = String(decoding: name, as: UTF8.self)
            guard text.count == 64, text.allSatisfy(\.isHexDigit) else { continue }
            result.append((String(decoding: path, as: UTF8.self), text, Int(try FS.lstat(path).st_size)))
        }
    }
    return result
}

/// Flips the lowest bit of the byte at `offset` of the file at `path` (again to repair it).
func flipBit(in path: String, at offset: Int) throws {
    let fd = try FS.check("open", Array(path.utf8)) { open($0, O_RDWR | O_CLOEXEC) }
    defer { close(fd) }
    var byte: UInt8 = 0
    try #require(pread(fd, &byte, 1, off_t(offset)) == 1)
    byte ^= 0x01
    try #require(pwrite(fd, &byte, 1, off_t(offset)) == 1)
}

/// The 64-hex-digit words in `text`.
func hexIDs(in text: String) -> Set<String> {
    var ids = Set<String>()
    var current = ""
    for character in text + " " {
        if character.isHexDigit && character.isASCII && !character.isUppercase {
            current.append(character)
        } else {
            if current.count == 64 { ids.insert(current) }
            current = ""
        }
    }
    return ids
}

@Suite struct CorruptionTests {
    /// 9. One flipped byte in a data pack: `check --read-data` finds it and names the pack and
    /// the blob; once the byte is repaired everything works again.
    @Test func flippedByteIsFound() throws {
        let workspace = try Workspace("corruption")
        defer { workspace.remove() }
        let source = workspace.path("src")
        var spec = TreeSpec(seed: 9)
        spec.tinyFiles = 50
        spec.randomFileSizes = [2_000_000]
        spec.textFileSizes = [500_000]
        spec.sparseSize = 0
        try TreeGenerator.generate(at: source, spec)
        try workspace.initRepository()
        let snapshot = try workspace.repo("snapshot", source)
        #expect(snapshot.status == 0, "\(snapshot)")
        let clean = try workspace.repo("check", "--read-data")
        #expect(clean.status == 0, "\(clean)")

        let packs = try packFiles(in: workspace.repository + "/data")
        let largest = try #require(packs.max { $0.size < $1.size })
        try flipBit(in: largest.path, at: largest.size / 2)

        let structural = try workspace.repo("check")
        #expect(structural.status == 0 || structural.status == 13, "check without --read-data may pass: \(structural)")

        let damaged = try workspace.repo("check", "--read-data")
        #expect(damaged.status == 13, "\(damaged)")
        #expect(damaged.combined.contains(largest.id), "the damaged pack is named: \(damaged)")
        let otherIDs = hexIDs(in: damaged.combined).subtracting([largest.id])
        #expect(!otherIDs.isEmpty, "a damaged blob is named too: \(damaged)")

        let damagedJSON = try workspace.repo("check", "--read-data", "--json")
        #expect(damagedJSON.status == 13)
        #expect(damagedJSON.object["clean"] as? Bool == false, "\(damagedJSON)")
        #expect(((damagedJSON.object["problems"] as? [String]) ?? []).contains { $0.contains(largest.id) }, "\(damagedJSON)")

        let badRestore = try workspace.repo("restore", "latest", "--target", workspace.path("bad-restore"))
        #expect(badRestore.status != 0, "a restore that meets damaged data must fail: \(badRestore)")

        // Repair the byte.
        try flipBit(in: largest.path, at: largest.size / 2)
        let repaired = try workspace.repo("check", "--read-data")
        #expect(repaired.status == 0, "\(repaired)")
        try expectLatestRestores(workspace, source)
    }
}

@Suite struct CrashSafetyTests {
    /// 10. SIGKILL during snapshots leaves a repository that checks clean (unreferenced
    /// packs are notes, not problems), stale locks do not block, and a last snapshot
    /// succeeds and restores identically.
    @Test func killedSnapshotsLeaveRepositoryConsistent() throws {
        let workspace = try Workspace("crash")
        defer { workspace.remove() }
        let source = workspace.path("src")
        var spec = TreeSpec(seed: 10)
        spec.depth = 4
        spec.directoriesPerLevel = 2...3
        spec.filesPerDirectory = 3...8
        spec.smallFileMaximum = 120_000
        spec.tinyFiles = 1_000
        spec.randomFileSizes = [6_000_000, 5_000_000, 3_000_000, 2_000_000, 1_000_000]
        spec.textFileSizes = [5_000_000, 4_000_000, 2_000_000]
        spec.sparseSize = 0
        let tree = try TreeGenerator.generate(at: source, spec)
        #expect(tree.totalBytes > 28_000_000, "about 30 MB: \(tree.totalBytes)")

        // How long an uninterrupted snapshot takes, in a repository of its own.
        let timing = try Workspace("crash-timing")
        defer { timing.remove() }
        try timing.initRepository()
        let start = Date()
        let measured = try timing.repo("snapshot", "--jobs", "2", source)
        let duration = elapsed(since: start)
        #expect(measured.status == 0, "\(measured)")

        try workspace.initRepository()
        var random = SeededRandom(seed: 1010)
        var killedMidway = 0
        let rounds = 6
        for round in 0..<rounds {
            // Spread over the run: round r dies in the r-th sixth of its first 90% (later runs
            // can be a little faster: what the killed ones stored is not stored again).
            let fraction = 0.9 * (Double(round) + Double.random(in: 0.1...0.9, using: &random)) / Double(rounds)
            let delay = duration * fraction
            let child = try workspace.start(["snapshot", "--jobs", "2", source])
            usleep(useconds_t(delay * 1_000_000))
            child.kill(SIGKILL)
            let result = child.wait(timeout: 60)
            if result.signal == SIGKILL { killedMidway += 1 }

            let check = try workspace.repo("check", "--json")
            #expect(check.status == 0, "round \(round), killed after \(String(format: "%.3f", delay)) s: \(check)")
            #expect(((check.object["problems"] as? [Any]) ?? [1]).isEmpty, "round \(round): \(check)")
        }
        #expect(killedMidway >= rounds / 2, "most snapshots should have been killed while running (\(killedMidway) of \(rounds); a run takes \(duration) s)")

        // The killed processes left locks behind: they do not stop a snapshot, and `unlock`
        // removes them as stale (their pids are dead on this host).
        let final = try workspace.repo("snapshot", "--json", "--jobs", "2", source)
        #expect(final.status == 0, "\(final)")
        let unlock = try workspace.repo("unlock")
        #expect(unlock.status == 0, "\(unlock)")
        // A process killed while writing its lock can leave a temporary file: unlock removes
        // those once 10 s old (one younger may still be written), never a lock of a live one.
        let locks = workspace.repository + "/locks"
        let remainingLocks = try FS.list(Array(locks.utf8)).map { String(decoding: $0, as: UTF8.self) }.filter { name in
            guard name.hasPrefix(".tmp-"), let modified = try? FileManager.default.attributesOfItem(atPath: locks + "/" + name)[.modificationDate] as? Date
            else { return true }
            return Date().timeIntervalSince(modified) >= 9
        }
        #expect(remainingLocks.isEmpty, "stale locks of dead processes are removed by unlock: \(remainingLocks) left")

        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 0, "\(check)")
        let target = workspace.path("restore")
        let restore = try workspace.repo("restore", "latest", "--target", target)
        #expect(restore.status == 0, "\(restore)")
        let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
        #expect(differences.isEmpty, "\(report(differences))")
    }
}
