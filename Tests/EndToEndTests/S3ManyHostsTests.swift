import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Many hosts at once on one bucket: snapshots from several processes (each with a cache of
// its own, as on separate machines) into one S3 repository at the same time, and locks that
// behave as on a local disk (PruneTests): a running snapshot keeps prune out and the other
// way round, a stopped one keeps prune out until it is gone. A process under another host
// name (a UTS namespace of its own) sees a lock as another machine does: it cannot tell
// whether the process behind it lives, so only time makes that lock stale.

/// Whether a child is still running (or stopped): not exited, not a zombie.
private func isAlive(_ child: ChildProcess) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(child.pid)/stat", encoding: .utf8),
          let end = stat.lastIndex(of: ")") else { return false }
    return !["Z", "X"].contains(stat[end...].dropFirst(2).first)
}

/// Asks `condition` every 20 ms until it holds; false if it still does not after `timeout` s.
private func eventually(within timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
        if try condition() { return true }
        usleep(20_000)
    } while Date() < deadline
    return try condition()
}

/// `count` files `prefix0`, `prefix1` … of random bytes, sizes drawn from `sizes`, in
/// `directory` (made if missing).
private func randomFiles(in directory: String, _ prefix: String, count: Int, sizes: ClosedRange<Int>,
                         random: inout SeededRandom) throws {
    if !FS.exists(Array(directory.utf8)) { try FS.mkdir(Array(directory.utf8)) }
    for number in 0..<count {
        try FS.writeFile(Array("\(directory)/\(prefix)\(number)".utf8), random.bytes(Int.random(in: sizes, using: &random)))
    }
}

@Suite(.motoServer)
struct S3ManyHostsTests {
    let moto: MotoServer

    init() throws {
        moto = try MotoServer.suiteServer()
    }

    /// Runs `repo` as if on a host named `other-host` (needs root, or whatever allows
    /// `unshare --uts`).
    static let otherHost = ["/usr/bin/unshare", "--uts", "/bin/sh", "-c", "hostname other-host && exec \"$@\"", "sh"]
    static let otherHostPossible = (try? runProgram(otherHost[0], ["--uts", "/bin/true"]))?.status == 0
    static let faketime = "/usr/bin/faketime"

    /// A new repository (1 MiB packs) in a bucket of its own, and `count` clients of it:
    /// workspaces with one password and a cache each. Remove them when done.
    private func repository(_ label: String, clients count: Int) throws -> (clients: [Workspace], stored: BucketRepository) {
        let bucket = try moto.makeBucket(label)
        let clients = try (0..<count).map { try s3Workspace("s3-\(label)-\($0)", moto: moto, bucket: bucket).0 }
        for client in clients.dropFirst() { client.password = clients[0].password }
        let initialized = try clients[0].repo("init", "--pack-size", "1")
        guard initialized.status == 0 else {
            for client in clients { client.remove() }
            throw HarnessError("init failed: \(initialized)")
        }
        return (clients, BucketRepository(moto: moto, bucket: bucket))
    }

    /// The bytes of all packs in the repository, as prune counts them.
    private func storedBytes(_ client: Workspace) throws -> Int {
        let plan = try client.repo("prune", "--dry-run", "--json")
        guard plan.status == 0, let bytes = int(plan.object, "stored_bytes") else { throw HarnessError("prune --dry-run: \(plan)") }
        return bytes
    }

    /// Four hosts snapshot at the same moment into one repository, each a tree of its own
    /// that shares most of its content with the others': all four succeed and restore, the
    /// data already stored is not stored again, the data new to all four is stored at most
    /// four times, and prune leaves one copy.
    @Test func fourHostsSnapshotAtOnce() throws {
        let (hosts, stored) = try repository("four-hosts", clients: 4)
        defer { for host in hosts { host.remove() } }

        // Every host's tree holds `common/`, already in the repository (from a snapshot
        // forgotten since), `fresh/`, the same everywhere and new to the repository (the four
        // race to store it), and a file of its own.
        var spec = TreeSpec(seed: 51)
        spec.depth = 2
        spec.tinyFiles = 100
        spec.randomFileSizes = [1_500_000, 800_000]
        spec.textFileSizes = [300_000]
        spec.sparseSize = 0
        let common = hosts[0].path("common")
        try TreeGenerator.generate(at: common, spec)
        let earlier = try hosts[0].repo("snapshot", "--json", "--host", "earlier", common)
        try #require(earlier.status == 0, "\(earlier)")
        let forget = try hosts[0].repo("forget", try #require(earlier.object["snapshot"] as? String, "\(earlier)"))
        try #require(forget.status == 0, "\(forget)")
        var random = SeededRandom(seed: 52)
        let fresh = hosts[0].path("fresh")
        try randomFiles(in: fresh, "small-", count: 40, sizes: 1_000...20_000, random: &random)
        try randomFiles(in: fresh, "large-", count: 1, sizes: 1_200_000...1_200_000, random: &random)
        let ownBytes = 300_000
        var sources: [String] = []
        for (index, host) in hosts.enumerated() {
            let source = host.path("src")
            try FS.mkdir(Array(source.utf8))
            try keepCopy(of: common, at: source + "/common")
            try keepCopy(of: fresh, at: source + "/fresh")
            try FS.writeFile(Array("\(source)/own-\(index).bin".utf8), random.bytes(ownBytes))
            sources.append(source)
        }
        let freshBytes = try TreeGenerator.regularFiles(under: fresh).reduce(0) {
            $0 + Int(try FS.lstat(FS.join(Array(fresh.utf8), $1)).st_size)
        }

        let started = Date()
        let children = try hosts.indices.map { try hosts[$0].start(["snapshot", "--json", "--host", "host\($0)", sources[$0]]) }
        let results = children.map { $0.wait(timeout: 120) }
        let seconds = elapsed(since: started)
        for result in results { #expect(result.status == 0, "\(result)") }
        let ids = try results.map { try #require($0.object["snapshot"] as? String, "\($0)") }
        let listed = try snapshotList(hosts[3])
        #expect(Set(listed.compactMap { $0["id"] as? String }) == Set(ids), "\(listed)")
        #expect(Set(listed.compactMap { $0["host"] as? String }) == Set(hosts.indices.map { "host\($0)" }), "\(listed)")
        let check = try hosts[1].repo(["check", "--read-data"], timeout: 180)
        #expect(check.status == 0, "\(check)")

        // Deduplication across hosts: no host stored `common/` again; `fresh/` was stored by
        // each host that did not find it in the index it loaded (all four, if they loaded it
        // before any of them had written an index object).
        let added = results.map { int($0.object, "bytes_added") ?? .max }
        for (index, bytes) in added.enumerated() {
            #expect(bytes < freshBytes + ownBytes + (256 << 10), "host\(index) stored \(bytes) bytes, more than its own and the fresh data")
        }
        let sourceBytes = results.reduce(0) { $0 + (int($1.object, "bytes_total") ?? 0) }
        let packBytes = try storedBytes(hosts[2])
        #expect(packBytes < sourceBytes, "\(packBytes) bytes stored for \(sourceBytes) bytes of sources")
        let freshCopies = Double(added.reduce(0, +) - hosts.count * ownBytes) / Double(freshBytes)
        print("S3ManyHostsTests: four snapshots at once in \(String(format: "%.1f", seconds)) s; stored \(added) bytes "
              + "(fresh data about \(String(format: "%.1f", freshCopies)) times); \(packBytes) bytes in packs for \(sourceBytes) of sources")

        // Prune keeps one copy of everything, and all four snapshots restore.
        let prune = try hosts[3].repo("prune", "--json")
        #expect(prune.status == 0, "\(prune)")
        let pruned = try storedBytes(hosts[0])
        let once = (int(earlier.object, "bytes_added") ?? 0) + freshBytes + hosts.count * ownBytes
        #expect(pruned < once + (512 << 10), "\(pruned) bytes of packs left; one copy of each blob is about \(once)")
        for (index, host) in hosts.enumerated() {
            let differences = try restoredTreeDifferences(host, snapshot: ids[index], source: sources[index], expected: sources[index])
            #expect(differences.isEmpty, "host\(index):\n\(report(differences))")
        }
        let recheck = try hosts[0].repo(["check", "--read-data"], timeout: 180)
        #expect(recheck.status == 0 && !recheck.out.contains("in no index"), "\(recheck)")
        #expect(try stored.locks().isEmpty)
    }

    /// A snapshot from one client and a prune from another (each with its own cache), started
    /// together (either first, at once or 50 ms apart), over garbage the snapshot deduplicates
    /// against, as PruneTests does on a local disk: whoever loses exits 11, no lock stays, the
    /// repository checks clean, and a snapshot that won restores. (Both win when one is done
    /// before the other takes its lock.)
    @Test func snapshotAndPruneStartedTogether() throws {
        let (clients, stored) = try repository("race", clients: 2)
        defer { for client in clients { client.remove() } }
        let (snapshotter, pruner) = (clients[0], clients[1])
        var random = SeededRandom(seed: 61)
        let race = snapshotter.path("race")
        try randomFiles(in: race, "large-", count: 4, sizes: 2_000_000...2_000_000, random: &random)
        try randomFiles(in: race + "/small", "s-", count: 40, sizes: 1_000...20_000, random: &random)
        let snapshotRace = ["snapshot", "--json", "--jobs", "1", "--host", "host-a", race]

        var conflicts = 0
        var outcomes: [String] = []
        for round in 0..<4 {
            // Garbage: a snapshot of the race tree, forgotten.
            let garbage = try snapshotter.repo("snapshot", "--json", race)
            try #require(garbage.status == 0, "\(garbage)")
            let ids = try snapshotList(snapshotter).compactMap { $0["id"] as? String }
            let forget = try snapshotter.repo(["forget"] + ids)
            try #require(forget.status == 0, "\(forget)")

            let snapshotFirst = round % 2 == 1
            let first = try snapshotFirst ? snapshotter.start(snapshotRace) : pruner.start(["prune", "--json"])
            usleep(useconds_t((round / 2) * 50_000))
            let second = try snapshotFirst ? pruner.start(["prune", "--json"]) : snapshotter.start(snapshotRace)
            let (snapshot, pruned) = snapshotFirst ? (first.wait(), second.wait()) : (second.wait(), first.wait())
            let label = "round \(round): prune \(pruned.status) after \(String(format: "%.2f", pruned.seconds)) s, "
                + "snapshot \(snapshot.status) after \(String(format: "%.2f", snapshot.seconds)) s"
            outcomes.append(label)
            #expect([0, 11].contains(pruned.status), "\(label): \(pruned)")
            #expect([0, 11].contains(snapshot.status), "\(label): \(snapshot)")
            if pruned.status == 11 || snapshot.status == 11 { conflicts += 1 }
            for loser in [pruned, snapshot] where loser.status == 11 {
                #expect(loser.stderrLines.count == 1 && loser.err.contains("locked"), "\(label): \(loser)")
            }
            #expect(try stored.locks().isEmpty, "\(label): locks left behind")
            let check = try pruner.repo(["check", "--read-data"], timeout: 180)
            #expect(check.status == 0, "\(label): \(check)")
            if snapshot.status == 0 {
                let id = try #require(snapshot.object["snapshot"] as? String, "\(snapshot)")
                let differences = try restoredTreeDifferences(pruner, snapshot: id, source: race, expected: race)
                #expect(differences.isEmpty, "\(label):\n\(report(differences))")
            }
        }
        #expect(conflicts >= 1, "prune and snapshot started together should have met: \(outcomes)")
        print("S3ManyHostsTests race: \(outcomes)")
    }

    /// A snapshot stopped (SIGSTOP) while it holds its lock on S3 keeps prune out, on this
    /// host and on another; `unlock` on either keeps its lock and `check` runs beside it. To
    /// the other host the lock turns stale by time only, and then prune merely condemns.
    /// Once the snapshot is killed, this host knows its lock is dead (the other cannot):
    /// `unlock` here removes it, and a prune from the other host deletes at once.
    @Test(.enabled(if: otherHostPossible && FileManager.default.isExecutableFile(atPath: faketime),
                   "needs `unshare --uts` (root) and faketime"))
    func stoppedSnapshotHoldsItsLockAcrossHosts() throws {
        let (clients, stored) = try repository("stopped", clients: 2)
        defer { for client in clients { client.remove() } }
        let (here, there) = (clients[0], clients[1])
        there.wrapper = Self.otherHost
        var random = SeededRandom(seed: 71)

        // A snapshot that stays, and one that is forgotten (garbage).
        let keep = here.path("keep")
        try randomFiles(in: keep, "k-", count: 30, sizes: 1_000...60_000, random: &random)
        let kept = try here.repo("snapshot", "--json", keep)
        try #require(kept.status == 0, "\(kept)")
        let keptPacks = try stored.packs()
        let old = here.path("old")
        try randomFiles(in: old, "o-", count: 3, sizes: 1_200_000...1_200_000, random: &random)
        let oldSnapshot = try here.repo("snapshot", "--json", old)
        try #require(oldSnapshot.status == 0, "\(oldSnapshot)")
        let garbage = try stored.packs().subtracting(keptPacks)
        try #require(!garbage.isEmpty)
        let forget = try here.repo("forget", try #require(oldSnapshot.object["snapshot"] as? String))
        try #require(forget.status == 0, "\(forget)")

        // A big snapshot here, stopped once it holds its lock and has written a few packs.
        let big = here.path("big")
        try randomFiles(in: big, "b-", count: 8, sizes: 4_000_000...4_000_000, random: &random)
        let child = try here.start(["snapshot", "--jobs", "1", big])
        defer { child.kill(SIGKILL); _ = child.wait() }  // only if a requirement failed first
        let writing = try eventually(within: 60) {
            try !isAlive(child) || (!stored.locks().isEmpty && stored.packs().subtracting(keptPacks.union(garbage)).count >= 2)
        }
        child.kill(SIGSTOP)
        try #require(writing && isAlive(child), "the snapshot should be stopped while it runs")
        let lock = try stored.locks()
        try #require(lock.count == 1, "\(lock)")
        // An upload sent whole before the stop may still land: wait until the packs stay put.
        var packs = try stored.packs()
        _ = try eventually(within: 10) {
            usleep(300_000)
            let now = try stored.packs()
            defer { packs = now }
            return now == packs
        }

        // Its process lives: prune is refused on both hosts and deletes nothing; unlock on
        // either leaves the lock; check (a shared lock) runs beside it.
        for client in [there, here] {
            let refused = try client.repo("prune", "--json")
            #expect(refused.status == 11, "\(refused)")
            #expect(refused.err.contains("snapshot") && refused.err.contains("pid \(child.pid)"), "names the holder: \(refused)")
            let unlock = try client.repo("unlock")
            #expect(unlock.status == 0, "\(unlock)")
        }
        let after = try stored.packs()
        #expect(after == packs, "a refused prune deletes nothing: \(packs.subtracting(after).count) gone, \(after.subtracting(packs).count) new")
        #expect(try stored.locks() == lock, "unlock must keep a live process's lock")
        let check = try there.repo("check")
        #expect(check.status == 0, "check beside a stopped snapshot: \(check)")

        // An hour later the other host takes the lock for stale, yet its process may run:
        // prune goes ahead but only condemns.
        there.wrapper = Self.otherHost + [Self.faketime, "-f", "+1h"]
        let condemning = try there.repo("prune", "--json")
        there.wrapper = Self.otherHost
        #expect(condemning.status == 0, "a lock stale by time does not block prune: \(condemning)")
        #expect(int(condemning.object, "deleted_packs") == 0, "nothing may be deleted while a process may run: \(condemning)")
        #expect((int(condemning.object, "condemned_packs") ?? 0) >= garbage.count, "\(condemning)")
        #expect(((condemning.object["deferred_because"] as? [String]) ?? []).contains { $0.contains("snapshot") }, "\(condemning)")
        #expect(try garbage.isSubset(of: stored.packs()), "condemned packs stay until a later prune")

        // Killed: to the other host its fresh lock may still be live; here it is certainly
        // dead, and unlock removes it. Then prune deletes at once.
        child.kill(SIGKILL)
        let killed = child.wait(timeout: 30)
        #expect(killed.signal == SIGKILL, "\(killed)")
        let stillRefused = try there.repo("prune", "--json")
        #expect(stillRefused.status == 11, "another host cannot know the process is gone: \(stillRefused)")
        let unlockThere = try there.repo("unlock")
        #expect(unlockThere.status == 0, "\(unlockThere)")
        #expect(try stored.locks() == lock, "to another host the lock is not stale yet")
        let unlockHere = try here.repo("unlock")
        #expect(unlockHere.status == 0, "\(unlockHere)")
        #expect(try stored.locks().isEmpty, "unlock on the lock's host removes a dead process's lock")
        let prune = try there.repo("prune", "--json")
        #expect(prune.status == 0, "\(prune)")
        #expect(int(prune.object, "condemned_packs") == 0 && (prune.object["deferred_because"] as? [Any])?.isEmpty == true, "\(prune)")
        let remaining = try stored.packs()
        #expect(remaining.isDisjoint(with: garbage), "garbage deleted: \(prune)")
        #expect(remaining.subtracting(keptPacks).isEmpty, "only the kept snapshot's packs stay: \(remaining.subtracting(keptPacks).count) others")
        let finalCheck = try there.repo("check", "--read-data")
        #expect(finalCheck.status == 0 && !finalCheck.out.contains("in no index"), "\(finalCheck)")
        let keptID = try #require(kept.object["snapshot"] as? String)
        let differences = try restoredTreeDifferences(there, snapshot: keptID, source: keep, expected: keep)
        #expect(differences.isEmpty, "\(report(differences))")
    }
}
