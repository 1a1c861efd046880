import Chunker
import Foundation
@testable import Repo
import Testing

/// The config's `compressible_binary_chunking` and `repetitive_dump_chunking`: written for
/// new repositories, absent from older ones (which chunk those classes as they always did:
/// compressible binaries as text, repetitive dumps as other dumps), refused when invalid.
@Suite struct ChunkingClassesConfigTests {
    static func chunking(_ json: [String: Any], _ field: String) -> ChunkerParameters? {
        guard let object = json[field] as? [String: Any], object["algorithm"] as? String == "fastcdc-gear",
              let minimum = object["minimum"] as? Int, let average = object["average"] as? Int,
              let maximum = object["maximum"] as? Int, let normalization = object["normalization"] as? Int else { return nil }
        return try? ChunkerParameters(minimumSize: minimum, averageSize: average, maximumSize: maximum, normalization: normalization)
    }

    @Test func newRepositoriesWriteEveryClassAndReadItBack() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (created, _) = try FormatFixtures.makeRepository(in: directory)
        let json = try DumpChunkingConfigTests.parametersJSON(created)
        #expect(Self.chunking(json, "text_chunking") == .text)
        #expect(Self.chunking(json, "compressible_binary_chunking") == .compressibleBinary)
        #expect(Self.chunking(json, "dump_chunking") == .dump)
        #expect(Self.chunking(json, "repetitive_dump_chunking") == .repetitiveDump)
        #expect(Self.chunking(json, "binary_chunking") == .binary)

        let opened = try FormatFixtures.open(directory, password: "correct horse")
        #expect(opened.parameters == created.parameters)
        let expected: [ContentClass: ChunkerParameters] = [.text: .text, .compressibleBinary: .compressibleBinary,
                                                           .dump: .dump, .repetitiveDump: .repetitiveDump, .binary: .binary]
        for contentClass in ContentClass.allCases {
            #expect(try opened.parameters.chunking(for: contentClass).parameters() == expected[contentClass], "\(contentClass)")
        }
        // The new defaults differ from the old ones where the measurements said so.
        #expect(ChunkerParameters.text.averageSize > ChunkerParameters.smallText.averageSize)
        #expect(ChunkerParameters.compressibleBinary.averageSize > ChunkerParameters.text.averageSize)
        #expect(ChunkerParameters.repetitiveDump.averageSize > ChunkerParameters.dump.averageSize)
    }

    @Test func aRepositoryWithoutTheNewFieldsRoundTripsWithout() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        var parameters = RepositoryParameters()
        parameters.compressibleBinaryChunking = nil
        parameters.repetitiveDumpChunking = nil
        let (created, _) = try FormatFixtures.makeRepository(in: directory, parameters: parameters)
        let json = try DumpChunkingConfigTests.parametersJSON(created)
        #expect(json["compressible_binary_chunking"] == nil)
        #expect(json["repetitive_dump_chunking"] == nil)

        let opened = try FormatFixtures.open(directory, password: "correct horse")
        #expect(opened.parameters == parameters)
        #expect(opened.parameters.chunking(for: .compressibleBinary) == opened.parameters.textChunking)
        #expect(opened.parameters.chunking(for: .repetitiveDump) == opened.parameters.dumpChunking)
    }

    /// A config as every repository before these classes wrote it: every new class is
    /// chunked with its text parameters, and writing it back adds no field.
    @Test func anOldConfigChunksTheNewClassesAsBefore() throws {
        let parameters = try JSONCoding.decoder.decode(RepositoryParameters.self,
                                                       from: Data(CompressionConfigTests.parametersBeforeZstd.utf8))
        try parameters.validate()
        #expect(parameters.compressibleBinaryChunking == nil && parameters.repetitiveDumpChunking == nil)
        for contentClass in [ContentClass.text, .compressibleBinary, .dump, .repetitiveDump] {
            #expect(try parameters.chunking(for: contentClass).parameters() == .smallText, "\(contentClass)")
        }
        #expect(try parameters.chunking(for: .binary).parameters() == .binary)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(parameters)) as? [String: Any])
        #expect(json["compressible_binary_chunking"] == nil && json["repetitive_dump_chunking"] == nil)
    }

    /// `repo init --dump-chunk-size N` chooses N for every dump, however it compresses.
    @Test func oneDumpChunkSizeAppliesToAllDumps() throws {
        var parameters = RepositoryParameters()
        try parameters.chunkDumps(averageSize: 4 << 10)
        #expect(parameters.chunking(for: .dump).average == 4 << 10)
        #expect(parameters.chunking(for: .repetitiveDump).average == 4 << 10)
        #expect(parameters.chunking(for: .text) == RepositoryParameters().textChunking)
    }

    @Test func invalidNewFieldsAreRefusedOnOpen() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory)
        let changes: [(inout RepositoryParameters) -> Void] = [
            { $0.compressibleBinaryChunking?.algorithm = "fixed" }, { $0.compressibleBinaryChunking?.average = 3_000 },
            { $0.repetitiveDumpChunking?.maximum = 1 << 30 }, { $0.repetitiveDumpChunking?.normalization = 9 },
        ]
        try DumpChunkingConfigTests.expectRefusedOnOpen(repository, in: directory, changes)
    }
}
