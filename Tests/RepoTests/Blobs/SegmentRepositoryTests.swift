import Crypto
import Foundation
@testable import Repo
@testable import Storage
import TestSupport
import Testing

/// Repositories that write segments and repositories that do not (docs/format.md,
/// "Segments"): what each stores, and every reader and rewriter of blobs on both.
@Suite struct SegmentRepositoryTests {
    typealias Files = PruneFixtures.Files

    /// Text files large and small, a binary one and an empty one.
    static func files(seed: UInt64) -> Files {
        var generator = SeededGenerator(seed: seed)
        var files: Files = [
            "big.log": PruneFixtures.text(700 << 10, &generator),
            "media.bin": PruneFixtures.random(300 << 10, &generator),
            "empty": [],
        ]
        for number in 0..<30 { files["src/file\(number).txt"] = PruneFixtures.text(Int(generator.next() % 9000) + 1, &generator) }
        return files
    }

    static func parameters(segments: Bool) -> RepositoryParameters {
        var parameters = RepositoryParameters()
        parameters.packTargetSize = 1 << 20
        if !segments { parameters.segments = nil }
        return parameters
    }

    /// Every segment of the index, as its members' ids, by pack and offset.
    static func segments(_ repository: Repository) -> [String: [Digest256]] {
        repository.withIndex { index in
            var segments: [String: [(Int, Digest256)]] = [:]
            index.forEach { id, location in
                guard let place = location.segment else { return }
                segments["\(location.pack.hex)@\(location.offset)", default: []].append((place.start, id))
            }
            return segments.mapValues { $0.sorted { $0.0 < $1.0 }.map(\.1) }
        }
    }

    static func snapshot(_ files: Files, at path: String, into repository: Repository) throws -> StoredSnapshot {
        try? FileManager.default.removeItem(atPath: path)
        try PruneFixtures.write(files, to: path)
        var options = SnapshotOptions()
        options.jobs = 2
        return try Archiver(repository: repository, options: options).snapshot(paths: [path])
    }

    static func expectRestores(_ snapshot: StoredSnapshot, of source: String, as files: Files, from repository: Repository,
                               into target: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let summary = try Restorer(repository: repository, options: RestoreOptions()).restore(snapshot, to: target)
        #expect(summary.problems.isEmpty, "\(summary.problems)", sourceLocation: sourceLocation)
        PruneFixtures.expectSame(try PruneFixtures.readTree(target + source), files, what: target, sourceLocation: sourceLocation)
    }

    @Test(arguments: [true, false])
    func randomTreesRoundTrip(segments: Bool) throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (_, backend) = try FormatFixtures.makeRepository(in: directory, parameters: Self.parameters(segments: segments))
        let files = Self.files(seed: segments ? 1 : 2)
        let source = "\(directory)/source"
        let stored = try Self.snapshot(files, at: source, into: try FormatFixtures.open(directory, password: "correct horse"))

        // A fresh process reads the config back: old form stays version 1, byte for byte as before.
        let repository = try FormatFixtures.open(directory, password: "correct horse")
        let config = try RepositoryConfig.decode(try backend.read(.config))
        #expect(config.version == (segments ? RepositoryConfig.segmentsVersion : RepositoryConfig.initialVersion))
        #expect((repository.parameters.segments != nil) == segments)
        let found = Self.segments(repository)
        if segments {
            #expect(found.count >= 2)
            #expect(found.values.allSatisfy { $0.count >= 2 })
        } else {
            #expect(found.isEmpty)
        }
        let versions = try backend.list(.index).map { try repository.indexPlaintext($0.name, cached: false)[4] }
        #expect(Set(versions) == (segments ? [IndexObject.segmentVersion] : [IndexObject.version]))

        try Self.expectRestores(stored, of: source, as: files, from: repository, into: "\(directory)/restore")
        // One file at a time, as dump and copy read (a segment decoded once for its members).
        let reader = BlobReader(store: repository.blobs, checkingIDs: true)
        let bigIDs = try #require(try Self.contentIDs(of: "big.log", in: stored, repository: repository))
        #expect(Array(try bigIDs.map { try reader.load($0) }.joined()) == files["big.log"])
        #expect(try Checker(repository: repository).run(readData: .all).problems.isEmpty)
    }

    /// The blob ids of the file `name` at the top of the snapshot's only path.
    static func contentIDs(of name: String, in snapshot: StoredSnapshot, repository: Repository) throws -> [Digest256]? {
        var tree = try Tree.decode(try repository.blobs.load(snapshot.snapshot.tree), name: "tree")
        while let only = tree.nodes.first, tree.nodes.count == 1, only.type == .directory, let subtree = only.subtree {
            tree = try Tree.decode(try repository.blobs.load(subtree), name: "tree")
        }
        return tree.nodes.first { $0.name == Array(name.utf8) }?.content.compactMap {
            if case .blob(let id) = $0 { return id } else { return nil }
        }
    }

    @Test func pruneWritesTheLiveMembersOfAPartlyDeadSegmentAsANewSegment() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory, parameters: Self.parameters(segments: true))
        var generator = SeededGenerator(seed: 9)
        let old: Files = ["big.log": PruneFixtures.text(900 << 10, &generator)]
        var new = old
        // New text in the middle: the chunks around it die, those before and after live on.
        new["big.log"]!.replaceSubrange(400 << 10..<500 << 10, with: PruneFixtures.text(100 << 10, &generator))
        let source = "\(directory)/source"
        let first = try Self.snapshot(old, at: source, into: repository)
        let second = try Self.snapshot(new, at: source, into: repository)
        let before = Self.segments(repository)
        let oldIDs = Set(try #require(try Self.contentIDs(of: "big.log", in: first, repository: repository)))
        let newIDs = Set(try #require(try Self.contentIDs(of: "big.log", in: second, repository: repository)))
        let dead = oldIDs.subtracting(newIDs)
        #expect(!dead.isEmpty)
        // Some segment holds both chunks that die and chunks that live.
        #expect(before.values.contains { members in members.contains(where: dead.contains) && members.contains(where: newIDs.contains) })

        try repository.forget([first])
        let report = try PruneFixtures.prune(repository) { $0.maxUnused = 0 }
        #expect(report.repackedPacks > 0)
        let reopened = try FormatFixtures.open(directory, password: "correct horse")
        let after = Self.segments(reopened)
        // No dead chunk is left, every live one is still in a segment of two or more.
        #expect(dead.allSatisfy { !reopened.contains($0) })
        #expect(after.values.allSatisfy { $0.count >= 2 && $0.allSatisfy(newIDs.contains) })
        #expect(after.values.joined().count >= newIDs.count - after.count)
        #expect(try Checker(repository: reopened).run(readData: .all).problems.isEmpty)
        try Self.expectRestores(second, of: source, as: new, from: reopened, into: "\(directory)/restore")
    }

    @Test func checkNamesEveryMemberOfADamagedSegment() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory, parameters: Self.parameters(segments: true))
        _ = try Self.snapshot(Self.files(seed: 3), at: "\(directory)/source", into: repository)
        let segments = Self.segments(repository)
        let (key, members) = try #require(segments.first)
        let pack = String(key.prefix(64)), offset = Int(key.dropFirst(65))!
        try FormatFixtures.flipByte(at: offset + 40, of: "\(directory)/repo/data/\(pack.prefix(2))/\(pack)")
        _ = backend
        let report = try Checker(repository: try FormatFixtures.open(directory, password: "correct horse")).run(readData: .all)
        for member in members {
            #expect(report.problems.contains { $0.contains("blob \(member.hex) in the segment at offset \(offset) of pack \(pack)") },
                    "\(report.problems)")
        }
        // Nothing else is blamed: the pack's other segments and blobs are intact.
        let blamed = report.problems.filter { $0.contains("blob ") }
        #expect(blamed.count == members.count, "\(blamed)")
    }

    @Test(arguments: [(true, false), (false, true)])
    func copyBetweenRepositoriesWithAndWithoutSegments(sourceSegments: Bool, targetSegments: Bool) throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let password = Array("correct horse".utf8)
        let source = try Repository.initialize(backend: try LocalBackend.create(at: "\(directory)/source-repo"), password: password,
                                               parameters: Self.parameters(segments: sourceSegments), scrypt: FormatFixtures.cheapScrypt)
        _ = try Repository.initialize(backend: try LocalBackend.create(at: "\(directory)/target-repo"), password: password,
                                      parameters: Self.parameters(segments: targetSegments), scrypt: FormatFixtures.cheapScrypt)
        let files = Self.files(seed: 4)
        let path = "\(directory)/files"
        _ = try Self.snapshot(files, at: path, into: source)
        #expect(Self.segments(source).isEmpty != sourceSegments)

        let open = { (name: String) in
            try Repository.open(backend: try LocalBackend(existingAt: "\(directory)/\(name)"), password: password, cacheDirectory: nil)
        }
        let summary = try Copier(source: try open("source-repo"), target: try open("target-repo")).copy()
        #expect(summary.snapshots.count == 1)
        let target = try open("target-repo")
        #expect(Self.segments(target).isEmpty != targetSegments)
        #expect(try Checker(repository: target).run(readData: .all).problems.isEmpty)
        let copied = try #require(try target.snapshotListing().snapshots.first)
        try Self.expectRestores(copied, of: path, as: files, from: target, into: "\(directory)/restore")
    }
}
