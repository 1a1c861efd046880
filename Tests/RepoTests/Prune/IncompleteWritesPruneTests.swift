import Foundation
@testable import Repo
@testable import Storage
import Testing

/// What writes cut short leave in storage (in a local repository: temporary files) goes
/// with a prune once it is a day old. A dry run and a prune without the exclusive lock
/// leave it, and a failure to remove it is reported without failing the prune.
@Suite struct IncompleteWritesPruneTests {
    /// A repository with a snapshot, and beside its objects the temporary files of two
    /// writes cut short: one two days old, one fresh (as a write in progress looks).
    static func worldWithLeftovers() throws -> (world: PruneFixtures.World, old: String, fresh: String) {
        let world = try PruneFixtures.World()
        var generator = PruneFixtures.Generator(seed: 91)
        _ = try world.snapshot(["a.bin": PruneFixtures.random(100_000, &generator)])
        let old = "\(world.directory)/repo/data/ab/\(LocalLayout.temporaryPrefix)00000000000000aa"
        let fresh = "\(world.directory)/repo/index/\(LocalLayout.temporaryPrefix)00000000000000bb"
        for path in [old, fresh] { #expect(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3]))) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -2 * 86400)], ofItemAtPath: old)
        return (world, old, fresh)
    }

    @Test func aPruneRemovesOldLeftoversOnly() throws {
        let (world, old, fresh) = try Self.worldWithLeftovers()
        defer { world.remove() }
        let report = try PruneFixtures.prune(world.repository)
        #expect(report.incompleteWritesRemoved == 1)
        #expect(report.incompleteWritesFailure == nil)
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(FileManager.default.fileExists(atPath: fresh), "a write that may be in progress is never cut")
    }

    @Test func aDryRunRemovesNothing() throws {
        let (world, old, _) = try Self.worldWithLeftovers()
        defer { world.remove() }
        let report = try PruneFixtures.prune(world.repository) { $0.dryRun = true }
        #expect(report.incompleteWritesRemoved == 0)
        #expect(FileManager.default.fileExists(atPath: old))
    }

    @Test func onlyUnderTheExclusiveLock() throws {
        let (world, old, _) = try Self.worldWithLeftovers()
        defer { world.remove() }
        let shared = try RepositoryLock.acquire(world.repository, exclusive: false, operation: "test")
        defer { shared.release() }
        let report = try Pruner(repository: world.repository, options: PruneOptions()).run(lock: shared)
        #expect(report.incompleteWritesRemoved == 0)
        #expect(FileManager.default.fileExists(atPath: old))
    }

    @Test func aFailureIsReportedAndThePruneStands() throws {
        let (world, old, _) = try Self.worldWithLeftovers()
        defer { world.remove() }
        let failing = PruneFailingBackend(try LocalBackend(existingAt: "\(world.directory)/repo"))
        failing.incompleteWritesFailure = .service("injected failure")
        let report = try PruneFixtures.prune(try world.reopen(backend: failing))
        #expect(report.incompleteWritesFailure == "injected failure")
        #expect(report.incompleteWritesRemoved == 0)
        #expect(FileManager.default.fileExists(atPath: old))
    }
}
