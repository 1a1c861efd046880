import Chunker
import Crypto
import Foundation
@testable import Repo
import TestSupport
import Testing

/// A snapshot chunks database dumps with the repository's `dump_chunking` and other text
/// with its `text_chunking`, files and streams alike; a repository without `dump_chunking`
/// (made before it existed) chunks dumps as text.
@Suite struct DumpChunkingTests {
    /// A pg_dump and a log of about 560 KiB each.
    static func sourceFiles() -> PruneFixtures.Files {
        var generator = SeededGenerator(seed: 21)
        let dump = Array(DumpSamples.pgDump(rows: 4000, &generator).utf8)
        return ["db/app.sql": dump, "logs/app.log": PruneFixtures.text(dump.count, &generator)]
    }

    /// Each file of the snapshot, by name, with the sizes of its chunks.
    static func chunks(of stored: StoredSnapshot, in repository: Repository) throws -> [String: [(id: Digest256, size: Int)]] {
        var files: [String: [(id: Digest256, size: Int)]] = [:]
        func walk(_ tree: Digest256) throws {
            for node in try repository.loadTree(tree).nodes {
                if let subtree = node.subtree {
                    try walk(subtree)
                    continue
                }
                files[String(decoding: node.name, as: UTF8.self)] = try node.content.map { piece in
                    guard case .blob(let id) = piece else { throw FormatError.corrupt("test", "a hole in \(node.name)") }
                    return (id, try repository.loadBlob(id).count)
                }
            }
        }
        try walk(stored.snapshot.tree)
        return files
    }

    /// Whether `sizes` are chunks `parameters` can cut: none longer than the maximum, none
    /// but the last shorter than the minimum.
    static func fit(_ sizes: [Int], _ parameters: RepositoryParameters.Chunking) -> Bool {
        sizes.allSatisfy { $0 <= parameters.maximum } && sizes.dropLast().allSatisfy { $0 >= parameters.minimum }
    }

    /// Snapshots `files` (the source tree) into a new repository made with `parameters`; returns the
    /// repository opened afresh and each file's chunks.
    static func snapshot(_ parameters: RepositoryParameters, in directory: String, files: PruneFixtures.Files = sourceFiles())
        throws -> (Repository, [String: [(id: Digest256, size: Int)]]) {
        _ = try FormatFixtures.makeRepository(in: directory, parameters: parameters)
        let source = "\(directory)/source"
        try PruneFixtures.write(files, to: source)
        let stored = try Archiver(repository: FormatFixtures.open(directory, password: "correct horse"), options: SnapshotOptions())
            .snapshot(paths: [source])
        let repository = try FormatFixtures.open(directory, password: "correct horse")
        return (repository, try chunks(of: stored, in: repository))
    }

    @Test func dumpsGetDumpChunksAndOtherTextKeepsTextChunks() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        var parameters = RepositoryParameters()
        try parameters.chunkDumps(averageSize: 4 << 10)  // `repo init --dump-chunk-size 4`
        let dumpChunking = try #require(parameters.dumpChunking)
        let (repository, files) = try Self.snapshot(parameters, in: directory)
        let dump = try #require(files["app.sql"]).map(\.size), log = try #require(files["app.log"]).map(\.size)

        #expect(dump.reduce(0, +) == Self.sourceFiles()["db/app.sql"]!.count)
        #expect(Self.fit(dump, dumpChunking))
        #expect(dump.contains { $0 < parameters.textChunking.minimum }, "dump chunks are smaller than text ones can be")
        #expect(Self.fit(log, parameters.textChunking))
        #expect(log.contains { $0 > dumpChunking.maximum }, "log chunks are larger than dump ones can be")
        #expect(dump.count > 2 * log.count, "\(dump.count) dump chunks, \(log.count) log chunks")

        // The same dump piped in (`repo snapshot --stdin`) is recognised by its content and
        // cut at the same places, so it adds no data.
        let fd = open("\(directory)/source/db/app.sql", O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let stream = try Archiver(repository: repository, options: SnapshotOptions()).snapshot(stream: fd, name: "app.sql")
        let piped = try #require(try Self.chunks(of: stream, in: FormatFixtures.open(directory, password: "correct horse"))["app.sql"])
        #expect(piped.map(\.id) == files["app.sql"]!.map(\.id))
        #expect(stream.snapshot.summary.blobsAdded == 1, "only the root tree is new")
    }

    @Test func aRepositoryWithoutDumpChunkingChunksDumpsAsText() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        var parameters = RepositoryParameters()
        parameters.dumpChunking = nil
        let (repository, files) = try Self.snapshot(parameters, in: directory)
        #expect(repository.parameters.dumpChunking == nil)
        let dump = try #require(files["app.sql"]).map(\.size), log = try #require(files["app.log"]).map(\.size)
        #expect(Self.fit(dump, parameters.textChunking))
        #expect(Self.fit(log, parameters.textChunking))
        #expect(dump.count < 2 * log.count, "\(dump.count) dump chunks, \(log.count) log chunks")
    }
}
