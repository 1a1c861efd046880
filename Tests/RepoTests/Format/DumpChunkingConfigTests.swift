import Chunker
import Foundation
@testable import Repo
import Testing

/// The config's `dump_chunking`: written for new repositories, absent from older ones
/// (whose dumps are chunked as text), refused when invalid.
@Suite struct DumpChunkingConfigTests {
    /// The sealed parameters of the repository in `directory`, as JSON.
    static func parametersJSON(_ repository: Repository) throws -> [String: Any] {
        let config = try RepositoryConfig.decode(try repository.backend.read(.config))
        let plaintext = try repository.metadata.open(Array(config.sealed), kind: .config, name: "config",
                                                context: Array(config.id.utf8))
        return try #require(try JSONSerialization.jsonObject(with: Data(plaintext)) as? [String: Any])
    }

    @Test func newRepositoriesWriteTheDumpDefault() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (created, _) = try FormatFixtures.makeRepository(in: directory)
        let dump = try #require(try Self.parametersJSON(created)["dump_chunking"] as? [String: Any])
        #expect(dump["algorithm"] as? String == "fastcdc-gear")
        #expect(dump["minimum"] as? Int == ChunkerParameters.dump.minimumSize)
        #expect(dump["average"] as? Int == ChunkerParameters.dump.averageSize)
        #expect(dump["maximum"] as? Int == ChunkerParameters.dump.maximumSize)
        #expect(dump["normalization"] as? Int == ChunkerParameters.dump.normalization)

        let opened = try FormatFixtures.open(directory, password: "correct horse")
        #expect(opened.parameters == created.parameters)
        #expect(try opened.parameters.chunking(for: .dump).parameters() == .dump)
        #expect(try opened.parameters.chunking(for: .text).parameters() == .text)
        #expect(try opened.parameters.chunking(for: .binary).parameters() == .binary)
    }

    @Test func aRepositoryWithoutDumpChunkingRoundTripsWithout() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        var parameters = RepositoryParameters()
        parameters.dumpChunking = nil
        let (created, _) = try FormatFixtures.makeRepository(in: directory, parameters: parameters)
        let json = try Self.parametersJSON(created)
        #expect(json["dump_chunking"] == nil)
        #expect(json["text_chunking"] != nil)

        let opened = try FormatFixtures.open(directory, password: "correct horse")
        #expect(opened.parameters.dumpChunking == nil)
        #expect(opened.parameters.chunking(for: .dump) == opened.parameters.textChunking)
    }

    /// A config as every repository before dumps had a class of their own wrote it.
    @Test func anOldConfigChunksDumpsWithItsTextParameters() throws {
        var parameters = try JSONCoding.decoder.decode(RepositoryParameters.self,
                                                       from: Data(CompressionConfigTests.parametersBeforeZstd.utf8))
        try parameters.validate()
        #expect(parameters.dumpChunking == nil)
        #expect(parameters.chunking(for: .dump) == parameters.textChunking)
        #expect(try parameters.chunking(for: .dump).parameters() == .smallText)
        // Written back, it stays without the field; its dumps follow its text chunking.
        let json = try #require(try JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(parameters)) as? [String: Any])
        #expect(json["dump_chunking"] == nil)
        parameters.textChunking.average = 32 << 10
        #expect(parameters.chunking(for: .dump).average == 32 << 10)
    }

    /// A repository whose config another version wrote with an invalid `dump_chunking`
    /// does not open, as with invalid text or binary chunking.
    @Test func anInvalidDumpChunkingIsRefusedOnOpen() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory)
        let changes: [(inout RepositoryParameters) -> Void] = [
            { $0.dumpChunking?.algorithm = "fixed" }, { $0.dumpChunking?.average = 3_000 },
            { $0.dumpChunking?.minimum = ChunkerParameters.dump.averageSize }, { $0.textChunking.maximum = 1 << 30 },
        ]
        try Self.expectRefusedOnOpen(repository, in: directory, changes)
    }

    /// Writes each of `changes` into the config of `repository` in turn and expects the
    /// repository to be refused as damaged, then to open again with its own config.
    static func expectRefusedOnOpen(_ repository: Repository, in directory: String,
                                    _ changes: [(inout RepositoryParameters) -> Void]) throws {
        for change in changes {
            try CompressionConfigTests.rewriteConfig(of: repository, change)
            do {
                _ = try FormatFixtures.open(directory, password: "correct horse")
                Issue.record("an invalid chunking was accepted")
            } catch {
                #expect(FormatFixtures.isCorrupt(error), "\(error)")
            }
        }
        try CompressionConfigTests.rewriteConfig(of: repository) { _ in }
        #expect(throws: Never.self) { try FormatFixtures.open(directory, password: "correct horse") }
    }
}
