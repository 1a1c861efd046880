import Crypto
import Foundation
@testable import Repo
import Storage
import TestSupport
import Testing

/// A restore from archived packs: stopped before it writes anything, thawed, picked up
/// where it stood by a second run, or waited for (`PackThawGate`, `Restorer`).
@Suite struct PackThawGateTests {
    /// A repository on a `ColdBackend` with a snapshot of a few files, its data packs then
    /// archived.
    final class Scene {
        let directory: String
        let backend = ColdBackend()
        let repository: Repository
        let snapshot: StoredSnapshot
        let source: String

        init() throws {
            directory = try FormatFixtures.makeDirectory()
            var parameters = RepositoryParameters()
            parameters.packTargetSize = 1 << 20
            repository = try Repository.initialize(backend: backend, password: Array("pw".utf8), parameters: parameters,
                                                   scrypt: FormatFixtures.cheapScrypt)
            source = directory + "/source"
            var generator = SeededGenerator(seed: 77)
            try FileManager.default.createDirectory(atPath: source + "/sub", withIntermediateDirectories: true)
            for (name, size) in ["a": 700_000, "sub/b": 900_000, "sub/c": 1_200_000] {
                try Data(generator.bytes(size)).write(to: URL(fileURLWithPath: source + "/" + name))
            }
            snapshot = try Archiver(repository: repository, options: SnapshotOptions()).snapshot(paths: [source])
            try backend.freezeDataPacks()
        }

        deinit { FormatFixtures.removeDirectory(directory) }

        var dataPacks: Int { (try? backend.list(.dataPack).count) ?? 0 }

        func restore(to target: String, thaw: ThawOptions?, events: @escaping (ThawEvent) -> Void = { _ in }) throws -> RestoreSummary {
            var options = RestoreOptions()
            options.thaw = thaw
            return try Restorer(repository: repository, options: options, thawEvents: events).restore(snapshot, to: target)
        }
    }

    @Test func archivedPacksStopTheRestoreBeforeAnythingIsWritten() throws {
        let scene = try Scene()
        #expect(scene.dataPacks >= 2)
        let target = scene.directory + "/target"
        do {
            _ = try scene.restore(to: target, thaw: nil)
            Issue.record("the restore went on")
        } catch let error as ArchivedPacksError {
            #expect(error.packs == scene.dataPacks)
            #expect(error.description.hasPrefix("\(scene.dataPacks) packs (") && error.description.hasSuffix(
                "the restore needs are archived in GLACIER; run again with --thaw"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(scene.backend.requested.isEmpty)
    }

    /// `--include` narrows the packs surveyed to those of the selected files.
    @Test func onlyThePacksOfSelectedFilesAreNeeded() throws {
        let scene = try Scene()
        var options = RestoreOptions()
        options.include = [ExcludePattern("a")]
        let needs = try RestoreNeeds(repository: scene.repository, selection: RestoreSelection(options: options)).packs(of: scene.snapshot.snapshot.tree)
        let all = try RestoreNeeds(repository: scene.repository, selection: RestoreSelection(options: RestoreOptions())).packs(of: scene.snapshot.snapshot.tree)
        #expect(!needs.isEmpty && needs.count < all.count, "\(needs.count) of \(all.count)")
        #expect(all.count == scene.dataPacks)
    }

    /// Without --wait: requested once, exit with the time to wait; the second run requests
    /// nothing again while the restores run, and restores once they are done.
    @Test func secondRunPicksUpWhereItStands() throws {
        let scene = try Scene()
        scene.backend.looksToRestore = 2  // Still restoring at the second run's look, done at the third's.
        var thaw = ThawOptions()
        thaw.tier = .standard
        var events: [ThawEvent] = []
        let target = scene.directory + "/target"
        #expect(throws: ArchivedPacksError.self) { _ = try scene.restore(to: target, thaw: thaw) { events.append($0) } }
        #expect(scene.backend.requested.count == scene.dataPacks)
        guard case .cost(let packs, _, let thawing, .standard, 7)? = events.first else { Issue.record("\(events)"); return }
        #expect(packs == scene.dataPacks && thawing == 0)

        events = []
        do {
            _ = try scene.restore(to: target, thaw: thaw) { events.append($0) }
        } catch let error as ArchivedPacksError {
            #expect(error.description.hasPrefix("thaw requested: \(scene.dataPacks) packs, ") && error.description.hasSuffix("run again in about 5 hours"),
                    "\(error)")
        }
        #expect(scene.backend.requested.count == scene.dataPacks, "nothing requested again")
        guard case .cost(0, 0, let thawing, _, _)? = events.first else { Issue.record("\(events)"); return }
        #expect(thawing == scene.dataPacks)
        #expect(!FileManager.default.fileExists(atPath: target))

        let summary = try scene.restore(to: target, thaw: nil)
        #expect(summary.problems.isEmpty && summary.files == 3, "\(summary.problems)")
    }

    /// --wait looks again every poll interval until every pack is readable, then restores.
    @Test func waitPollsUntilReadable() throws {
        let scene = try Scene()
        scene.backend.looksToRestore = 3
        var thaw = ThawOptions()
        thaw.wait = true
        thaw.pollInterval = 0.01
        var waits = 0
        let summary = try scene.restore(to: scene.directory + "/target", thaw: thaw) { event in
            if case .waiting = event { waits += 1 }
        }
        #expect(summary.problems.isEmpty && summary.files == 3 && summary.damagedBlobs == 0, "\(summary.problems)")
        #expect(waits >= 3, "looked \(waits) times")
        let restored = try Data(contentsOf: URL(fileURLWithPath: scene.directory + "/target" + scene.source + "/sub/c"))
        #expect(restored == (try Data(contentsOf: URL(fileURLWithPath: scene.source + "/sub/c"))))
    }

    /// check: archived packs are counted, not damage; reading data skips them, and reads
    /// them once thawed.
    @Test func checkCountsArchivedPacks() throws {
        let scene = try Scene()
        for readData in [nil, ReadDataSubset.all] {
            let report = try Checker(repository: scene.repository).run(readData: readData)
            #expect(report.isClean, "\(report.problems)")
            #expect(report.archivedPacks == scene.dataPacks && report.archivedBytes > 0)
        }
        var thaw = ThawOptions()
        thaw.wait = true
        thaw.pollInterval = 0.01
        try PackThawGate(backend: scene.backend).makeReadable(
            { PackArchiveSurvey.indexed(scene.repository.withIndex { $0.packs.map(\.id) }, in: scene.repository) }, thaw: thaw, purpose: "test")
        let report = try Checker(repository: scene.repository).run(readData: .all)
        #expect(report.isClean && report.archivedPacks == 0, "\(report.problems)")
        #expect(report.packsRead == scene.repository.withIndex { $0.packs.count })
    }

    /// A listing that shows no pack in an archive class: the packs a command needs are not
    /// even worked out (no walk of the trees), and nothing is asked.
    @Test func noArchivedPackListedMeansNoWalk() throws {
        let backend = ColdBackend()
        try backend.write(ObjectName(.dataPack, String(repeating: "ab", count: 32)), [1, 2, 3])
        var called = false
        try PackThawGate(backend: backend).makeReadable({ called = true; return [] }, thaw: nil, purpose: "test")
        #expect(!called)
    }

    /// A backend without archive tiers is never asked (local, memory, SFTP).
    @Test func backendsWithoutTiersAreNotSurveyed() throws {
        let backend = MemoryBackend()
        #expect(!backend.hasArchiveTiers)
        let found = try PackArchiveSurvey(backend: backend).survey([(Digest256(hex: String(repeating: "01", count: 32))!, .dataPack, 10)])
        #expect(found.entries.isEmpty)
    }
}
