import Crypto
import Foundation
@testable import Repo
import Storage
import Testing

/// `repair packs` in the library: stopped at any of its writes it loses no intact blob and
/// a rerun completes; a pack cut short keeps what lies before the cut.
@Suite struct PackRepairTests {
    /// Flips the lowest bit of byte `offset` of the stored object `name` (`offset` < 0: from the end).
    static func flipBit(_ name: ObjectName, at offset: Int, in world: PruneFixtures.World) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: "\(world.directory)/repo/\(name.path)"))
        defer { try? handle.close() }
        let position = offset >= 0 ? UInt64(offset) : try handle.seekToEnd() - UInt64(-offset)
        try handle.seek(toOffset: position)
        var byte = try #require(try handle.read(upToCount: 1)).first ?? 0
        byte ^= 1
        try handle.seek(toOffset: position)
        try handle.write(contentsOf: [byte])
    }

    static func repair(_ repository: Repository) throws -> PackRepairReport {
        let lock = try RepositoryLock.acquire(repository, exclusive: true, operation: "repair packs")
        defer { lock.release() }
        return try PackRepair(repository: repository, options: PackRepairOptions()).run()
    }

    /// Every problem `check` finds names one of `lost`: nothing else is missing.
    static func expectOnlyLost(_ repository: Repository, _ lost: Set<String>, _ stage: String) throws {
        let check = try Checker(repository: repository).run(readData: nil)
        for problem in check.problems {
            #expect(lost.contains { problem.contains($0) }, "\(stage): \(problem)")
        }
    }

    /// Two data packs damaged: a byte inside a blob (that blob is lost, or every member of
    /// the segment it falls in) and a byte of the header (nothing is lost). Stopped after each write or delete, the rerun completes and
    /// the index lacks exactly the lost blob; snapshotting the sources again then gives a
    /// repository that checks clean and restores every snapshot.
    @Test func interruptedAfterEveryWrite() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let versions = PruneFixtures.evolvingVersions(seed: 91, scale: 0.3)
        let first = try [versions[0], versions[1]].map { try world.snapshot($0) }
        let packs = try world.backend.list(.dataPack).sorted { $0.size > $1.size }
        try #require(packs.count >= 2)
        try Self.flipBit(packs[0].name, at: 21 + 40, in: world)
        try Self.flipBit(packs[1].name, at: -10, in: world)
        let password = Array(PruneFixtures.password.utf8)
        let pristine = try MemoryBackend.copy(of: world.backend)

        let reference = try Self.repair(try Repository.open(backend: try MemoryBackend.copy(of: pristine), password: password,
                                                            cacheDirectory: nil))
        let lost = Set(reference.packs.flatMap(\.lost))
        // The pack's first sealed blob or segment: its blobs all lie at one offset.
        let firstOffsets = world.repository.withIndex { index in
            Set(lost.compactMap { Digest256(hex: $0).flatMap(index.location(of:))?.offset })
        }
        #expect(reference.packs.count == 2 && !lost.isEmpty && firstOffsets == [21] && reference.isComplete, "\(reference)")

        var allowed = 0
        var completed = false
        while !completed && allowed < 200 {
            let memory = try MemoryBackend.copy(of: pristine)
            let failing = PruneFailingBackend(memory)
            let repository = try Repository.open(backend: failing, password: password, cacheDirectory: nil)
            let lock = try RepositoryLock.acquire(repository, exclusive: true, operation: "repair packs")
            failing.allow(allowed)
            do {
                _ = try PackRepair(repository: repository, options: PackRepairOptions()).run()
                completed = true
                #expect(!failing.tripped)
            } catch {
                #expect(failing.tripped, "after \(allowed) writes: failed by itself: \(error)")
            }
            failing.allow(nil)
            lock.release()
            let stage = "stopped after \(allowed) writes"

            let rerun = try Self.repair(try Repository.open(backend: memory, password: password, cacheDirectory: nil))
            #expect(rerun.isComplete, "\(stage): \(rerun)")
            let repaired = try Repository.open(backend: memory, password: password, cacheDirectory: nil)
            for id in lost { #expect(!repaired.contains(try #require(Digest256(hex: id))), "\(stage)") }
            try Self.expectOnlyLost(repaired, lost, stage)
            #expect(try Self.repair(repaired).packs.isEmpty, "\(stage): a third run finds nothing")
            allowed += 1
        }
        #expect(completed, "the repair never completed")
        #expect(allowed >= 4, "only \(allowed) writes")

        // The whole workflow, once, on the repository itself: repair, snapshot again, check.
        _ = try Self.repair(world.repository)
        let again = try [versions[0], versions[1]].map { try world.snapshot($0) }
        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean, "\(check.problems)")
        try world.verifyAllRestore(from: try world.reopen(), expected: first + again)
    }

    /// A pack cut short: the blobs before the cut are salvaged, those after it are lost.
    @Test func truncatedPackKeepsWhatPrecedesTheCut() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        var generator = PruneFixtures.Generator(seed: 92)
        var files = PruneFixtures.Files()
        for number in 0..<12 { files["file\(number).bin"] = PruneFixtures.random(60_000, &generator) }
        let first = try world.snapshot(files)
        let pack = try #require(try world.backend.list(.dataPack).max { $0.size < $1.size })
        let path = "\(world.directory)/repo/\(pack.name.path)"
        try FileHandle(forUpdating: URL(fileURLWithPath: path)).truncate(atOffset: UInt64(pack.size / 2))

        let report = try Self.repair(world.repository)
        let line = try #require(report.packs.first)
        #expect(report.packs.count == 1 && line.id == pack.name.id && line.problem?.contains("bytes") == true, "\(report)")
        #expect(line.salvaged >= 4 && line.lost.count >= 4, "\(report)")
        #expect(try world.backend.stat(pack.name) == nil)

        let again = try world.snapshot(files)
        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean, "\(check.problems)")
        try world.verifyAllRestore(from: try world.reopen(), expected: [first, again])
    }
}
