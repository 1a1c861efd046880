import Codec
import Foundation
@testable import Repo
@testable import Storage
import TestSupport
import Testing

/// The config's `compression` and `compression_level`: what a repository writes, that zlib
/// and zstd repositories both read back, and what an unknown algorithm does.
@Suite struct CompressionConfigTests {
    typealias Files = PruneFixtures.Files

    /// A tree with text (compressed), random (stored) and zero (compressed) content.
    static func sourceFiles() -> Files {
        var generator = SeededGenerator(seed: 42)
        return [
            "dump.sql": PruneFixtures.text(400 << 10, &generator),
            "logs/app.log": PruneFixtures.text(90 << 10, &generator),
            "media/photo.jpg": PruneFixtures.random(600 << 10, &generator),
            "zeros.bin": [UInt8](repeating: 0, count: 300 << 10),
            "empty": [],
            "one": [7],
        ]
    }

    /// The codec ids of every data blob the repository stores.
    static func dataCodecs(_ repository: Repository) throws -> Set<UInt8> {
        var codecs = Set<UInt8>()
        let reader = PackBlobReader(store: repository.blobs)
        for info in try repository.backend.list(.dataPack) {
            let pack = try repository.blobs.indexRecord(of: info)
            try reader.load(pack.entries, fromPack: pack.id, type: .data, spans: .oneRequest, unreadable: { _, error in throw error }) {
                _, blob in if let frame = try blob.get().frame { codecs.insert(frame[0]) }
            }
        }
        return codecs
    }

    @Test(arguments: [("zlib", 2, CodecID.zlib), ("zlib", 6, .zlib), ("zstd", 3, .zstd), ("zstd", -1, .zstd), ("zstd", 19, .zstd)])
    func repositoryRoundTripsATreeWithItsCompression(algorithm: String, level: Int, codec: CodecID) throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        var parameters = RepositoryParameters()
        parameters.compression = algorithm
        parameters.compressionLevel = level
        parameters.packTargetSize = 1 << 20
        // Every chunk its own frame, so that each shows its codec (segments: SegmentTests).
        parameters.segments = nil
        _ = try FormatFixtures.makeRepository(in: directory, parameters: parameters)

        let files = Self.sourceFiles()
        let source = "\(directory)/source"
        try PruneFixtures.write(files, to: source)
        var options = SnapshotOptions()
        options.jobs = 2
        let stored = try Archiver(repository: FormatFixtures.open(directory, password: "correct horse"), options: options)
            .snapshot(paths: [source])

        // A fresh process: the config is read back, and the blobs decode.
        let repository = try FormatFixtures.open(directory, password: "correct horse")
        #expect(repository.parameters.compression == algorithm)
        #expect(repository.parameters.compressionLevel == level)
        #expect(try repository.parameters.compressionPolicy() == CompressionPolicy(algorithm: .init(rawValue: algorithm)!,
                                                                                   level: Int32(level)))
        #expect(try Self.dataCodecs(repository) == [CodecID.none.rawValue, codec.rawValue])

        let target = "\(directory)/restore"
        let summary = try Restorer(repository: repository, options: RestoreOptions()).restore(stored, to: target)
        #expect(summary.problems.isEmpty, "\(summary.problems)")
        PruneFixtures.expectSame(try PruneFixtures.readTree(target + source), files, what: "\(algorithm):\(level)")
    }

    /// New repositories get the default policy; the JSON names it as documented.
    @Test func newRepositoriesGetTheDefault() throws {
        let parameters = RepositoryParameters()
        #expect(parameters.compression == CompressionPolicy.default.algorithm.rawValue)
        #expect(parameters.compressionLevel == Int(CompressionPolicy.default.level))
        #expect(try parameters.compressionPolicy() == .default)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(parameters)) as? [String: Any])
        #expect(json["compression"] as? String == "zstd")
        #expect(json["compression_level"] as? Int == 3)
    }

    /// The parameters of a config written before zstd existed, all of its fields as the old
    /// writer put them.
    static let parametersBeforeZstd = #"""
        {"text_chunking": {"algorithm": "fastcdc-gear", "minimum": 4096, "average": 16384, "maximum": 65536, "normalization": 2},
         "binary_chunking": {"algorithm": "fastcdc-gear", "minimum": 262144, "average": 1048576, "maximum": 4194304, "normalization": 2},
         "blob_id": "hmac-sha256", "cipher": "aes-256-gcm", "compression": "zlib", "compression_level": 2,
         "pack_target_size": 16777216}
        """#

    /// A config written before zstd existed still opens, and the repository keeps writing zlib.
    @Test func configWithZlibFromBeforeZstdIsRead() throws {
        let parameters = try JSONCoding.decoder.decode(RepositoryParameters.self, from: Data(Self.parametersBeforeZstd.utf8))
        try parameters.validate()
        #expect(try parameters.compressionPolicy() == CompressionPolicy(algorithm: .zlib, level: 2))
    }

    /// Writes the repository's parameters changed by `change` as its config, unvalidated, as
    /// another version might.
    static func rewriteConfig(of repository: Repository, _ change: (inout RepositoryParameters) -> Void) throws {
        var parameters = repository.parameters
        change(&parameters)
        let config = try RepositoryConfig.make(id: repository.id, parameters: parameters, sealer: repository.metadata)
        try repository.backend.write(.config, try config.encoded())
    }

    @Test func configWithZstdIsReadAndUnknownAlgorithmsAskForAnUpgrade() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        var parameters = RepositoryParameters()
        parameters.compression = "zlib"
        parameters.compressionLevel = 2
        let (repository, _) = try FormatFixtures.makeRepository(in: directory, parameters: parameters)

        try Self.rewriteConfig(of: repository) { $0.compression = "zstd"; $0.compressionLevel = 5 }
        let zstd = try FormatFixtures.open(directory, password: "correct horse")
        #expect(try zstd.parameters.compressionPolicy() == CompressionPolicy(algorithm: .zstd, level: 5))

        try Self.rewriteConfig(of: repository) { $0.compression = "lz4" }
        let unknown = FormatError.unsupportedAlgorithm(kind: "compression", name: "lz4")
        #expect(throws: unknown) { try FormatFixtures.open(directory, password: "correct horse") }
        #expect(unknown.description.contains("upgrade"))

        try Self.rewriteConfig(of: repository) { $0.compression = "zstd"; $0.compressionLevel = 0 }
        do {
            _ = try FormatFixtures.open(directory, password: "correct horse")
            Issue.record("zstd level 0 was accepted")
        } catch {
            #expect(FormatFixtures.isCorrupt(error), "\(error)")
        }
    }

    @Test func levelsAreValidatedPerAlgorithmAtInit() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let backend = try LocalBackend.create(at: "\(directory)/repo")
        for (algorithm, level) in [("zlib", 0), ("zlib", 10), ("zlib", -1), ("zstd", 0), ("zstd", 20), ("zstd", -8), ("lz4", 1)] {
            var parameters = RepositoryParameters()
            parameters.compression = algorithm
            parameters.compressionLevel = level
            #expect(throws: FormatError.self, "\(algorithm):\(level)") {
                try Repository.initialize(backend: backend, password: [1], parameters: parameters, scrypt: FormatFixtures.cheapScrypt)
            }
        }
        #expect(try backend.stat(.config) == nil)
    }
}
