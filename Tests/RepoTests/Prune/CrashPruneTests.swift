import Crypto
import Foundation
@testable import Repo
import Storage
import Testing

/// A prune stopped at any of its writes leaves a repository that checks clean and restores
/// every snapshot, and the next prune finishes the job.
@Suite struct CrashPruneTests {
    enum Situation: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// No other lock: unused packs are deleted at once.
        case immediate
        /// Another host's lock: unused packs are only condemned.
        case deferred
        /// Packs condemned by an earlier prune, and new garbage, with no other lock now.
        case earlierCondemned
        /// Packs condemned by an earlier prune, some of which a racing snapshot came to use:
        /// those go back into the index.
        case raced

        var testDescription: String { rawValue }
    }

    /// A repository with everything a prune handles: unused packs, packs to repack, a pack
    /// no index lists, and for `earlierCondemned` condemned lists of an earlier prune.
    static func pristine(_ situation: Situation) throws -> (PruneFixtures.World, survivors: [StoredSnapshot]) {
        let world = try PruneFixtures.World()
        do {
            let snapshots = try PruneFixtures.evolvingVersions(seed: 81, scale: 0.2).map { try world.snapshot($0) }
            let writer = try FormatFixtures.packWriter(.data, in: world.repository)
            var generator = PruneFixtures.Generator(seed: 82)
            let blob = PruneFixtures.random(30_000, &generator)
            try blob.withUnsafeBytes { _ = try writer.add(id: PruneFixtures.blobID(blob, in: world.repository), plaintext: $0) }
            let pack = try writer.finish()
            try pack.store(in: world.backend)

            switch situation {
            case .immediate:
                try world.repository.forget([snapshots[0], snapshots[2]])
            case .deferred:
                try world.repository.forget([snapshots[0], snapshots[2]])
                try PruneFixtures.plantForeignLock(world.repository, age: 7200)
            case .earlierCondemned:
                try world.repository.forget([snapshots[0]])
                let foreign = try PruneFixtures.plantForeignLock(world.repository, age: 7200)
                let report = try PruneFixtures.prune(world.repository)
                try #require(report.condemnedPacks > 0 && report.deletedPacks == 0)
                try world.backend.delete(foreign)
                try world.repository.forget([snapshots[2]])
            case .raced:
                try world.repository.forget([snapshots[0]])
                let stale = try world.reopen()
                let lock = try RepositoryLock.acquire(world.repository, exclusive: true, operation: "prune")
                let foreign = try PruneFixtures.plantForeignLock(world.repository)
                let report = try Pruner(repository: world.repository, options: PruneOptions()).run(lock: lock)
                lock.release()
                try #require(report.condemnedPacks > 0 && report.deletedPacks == 0)
                try world.backend.delete(foreign)
                let raced = try world.snapshot(PruneFixtures.evolvingVersions(seed: 81, scale: 0.2)[0], using: stale)
                try world.repository.forget([snapshots[2]])
                return (world, [snapshots[1], snapshots[3], raced])
            }
            return (world, [snapshots[1], snapshots[3]])
        } catch {
            world.remove()
            throw error
        }
    }

    @Test(arguments: Situation.allCases)
    func interruptedAfterEveryWrite(_ situation: Situation) throws {
        let (world, survivors) = try Self.pristine(situation)
        defer { world.remove() }
        let password = Array(PruneFixtures.password.utf8)
        // Each run starts from these objects, in memory: copying the local repository for
        // every run would cost more than the rest of the test.
        let pristine = try MemoryBackend.copy(of: world.backend)
        var allowed = 0
        var completed: PruneReport?
        while completed == nil && allowed < 300 {
            let memory = try MemoryBackend.copy(of: pristine)
            let failing = PruneFailingBackend(memory)
            let repository = try Repository.open(backend: failing, password: password, cacheDirectory: nil)
            let lock = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune")
            failing.allow(allowed)
            do {
                completed = try Pruner(repository: repository, options: PruneOptions()).run(lock: lock)
                #expect(!failing.tripped)
                #expect(failing.mutations <= allowed, "the run needed \(failing.mutations) writes")
            } catch {
                #expect(failing.tripped, "\(situation) after \(allowed) writes: failed by itself: \(error)")
            }
            failing.allow(nil)
            lock.release()
            let stage = "\(situation), stopped after \(allowed) writes"

            // What the interrupted prune left checks clean and restores.
            let interrupted = try Repository.open(backend: memory, password: password, cacheDirectory: nil)
            let check = try Checker(repository: interrupted).run(readData: .all)
            #expect(check.isClean, "\(stage): \(check.problems)")
            try world.verifyAllRestore(from: interrupted, expected: survivors)

            // The next prune (the other host gone) leaves nothing behind.
            _ = try RepositoryLock.removeLocks(interrupted, all: true)
            let report = try PruneFixtures.prune(interrupted)
            #expect(report.condemnedPacks == 0 && report.damagedPacks.isEmpty, "\(stage)")
            let final = try Checker(repository: try Repository.open(backend: memory, password: password, cacheDirectory: nil))
                .run(readData: .all)
            #expect(final.isClean, "\(stage): \(final.problems)")
            #expect(final.notes.isEmpty, "\(stage): \(final.notes)")
            #expect(try memory.list(.condemned).isEmpty, "\(stage)")
            if completed != nil {
                // (Check has read every byte above; restoring once more is for the last state only, to save time.)
                try world.verifyAllRestore(from: try Repository.open(backend: memory, password: password, cacheDirectory: nil),
                                           expected: survivors)
            }
            allowed += 1
        }
        let report = try #require(completed, "the prune never completed")
        // Enough steps to have been stopped in each of them.
        #expect(allowed >= 6, "\(situation): only \(allowed) writes")
        // The loose pack (condemned already by the earlier prune in `earlierCondemned`).
        #expect(report.unindexedPacks == (situation == .earlierCondemned || situation == .raced ? 0 : 1))
        switch situation {
        case .immediate:
            #expect(report.deletedPacks > 0 && report.condemnedPacks == 0 && report.repackedPacks > 0)
        case .deferred:
            #expect(report.deletedPacks == 0 && report.condemnedPacks > 0 && report.repackedPacks > 0)
        case .earlierCondemned:
            #expect(report.deletedPacks > report.unusedPacks + report.repackedPacks + report.unindexedPacks,
                    "earlier condemned packs deleted too")
            #expect(report.condemnedPacks == 0)
        case .raced:
            #expect(report.restoredPacks > 0 && report.condemnedPacks == 0)
        }
    }
}
