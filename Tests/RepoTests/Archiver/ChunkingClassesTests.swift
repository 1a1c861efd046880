import Chunker
import Foundation
@testable import Repo
import TestSupport
import Testing

/// A snapshot chunks each content class with its own sizes in a new repository, and a
/// repository whose config predates the classes cuts exactly the chunks it always did.
@Suite struct ChunkingClassesTests {
    /// One file of each compressible class, 1 to 1.5 MB each.
    static func sourceFiles() -> PruneFixtures.Files {
        var generator = SeededGenerator(seed: 33)
        return [
            "lib/libapp.so": CompressibleBinarySamples.elfLibrary(size: 1_500_000, &generator),
            "lib/App.swiftmodule": CompressibleBinarySamples.swiftModule(size: 1_000_000, &generator),
            "db/pgbench.sql": Array(DumpSamples.pgbenchDump(rows: 12_000, &generator).utf8),
            "db/app.sql": Array(DumpSamples.pgDump(rows: 12_000, &generator).utf8),
            "logs/app.log": PruneFixtures.text(1_000_000, &generator),
        ]
    }

    /// The chunk sizes `parameters` cut `bytes` into, with the repository's gear table.
    static func boundaries(_ bytes: [UInt8], _ parameters: ChunkerParameters, _ repository: Repository) throws -> [Int] {
        var sizes: [Int] = []
        var offset = 0
        try StreamChunker(parameters: parameters, gear: repository.blobs.gear).chunk(reader: { target in
            let n = min(target.count, bytes.count - offset)
            bytes.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + n])) }
            offset += n
            return n
        }) { sizes.append($0.count) }
        return sizes
    }

    /// A repository as every one before these classes: no `compressible_binary_chunking`,
    /// `dump_chunking` or `repetitive_dump_chunking`, text chunks of 16 KiB.
    @Test func anOldConfigCutsTheSameChunksAsBefore() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let parameters = try JSONCoding.decoder.decode(RepositoryParameters.self,
                                                       from: Data(CompressionConfigTests.parametersBeforeZstd.utf8))
        let (repository, files) = try DumpChunkingTests.snapshot(parameters, in: directory, files: Self.sourceFiles())
        for (path, bytes) in Self.sourceFiles() {
            let name = String(path.split(separator: "/").last!)
            let sizes = try #require(files[name]).map(\.size)
            #expect(sizes == (try Self.boundaries(bytes, .smallText, repository)), "\(name)")
        }
    }

    @Test func aNewRepositoryChunksEachClassWithItsOwnSizes() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let parameters = RepositoryParameters()
        let (repository, files) = try DumpChunkingTests.snapshot(parameters, in: directory, files: Self.sourceFiles())
        let expected: [String: ChunkerParameters] = [
            "libapp.so": .compressibleBinary, "App.swiftmodule": .compressibleBinary,
            "pgbench.sql": .repetitiveDump, "app.sql": .dump, "app.log": .text,
        ]
        for (path, bytes) in Self.sourceFiles() {
            let name = String(path.split(separator: "/").last!)
            let sizes = try #require(files[name]).map(\.size)
            let chunker = try #require(expected[name])
            #expect(sizes == (try Self.boundaries(bytes, chunker, repository)), "\(name)")
            // Not the chunks of before: fewer where the class's chunks grew, more for dumps.
            let before = try Self.boundaries(bytes, .smallText, repository).count
            #expect(chunker.averageSize > ChunkerParameters.smallText.averageSize ? sizes.count < before : sizes.count > before,
                    "\(name): \(sizes.count) chunks, \(before) before")
        }
    }
}
