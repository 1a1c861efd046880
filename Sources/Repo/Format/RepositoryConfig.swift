import Chunker
import Codec
import Crypto
import Foundation
import Storage

/// The repository's parameters: which algorithms, which chunk sizes, which pack size.
/// Fixed at `init`; every snapshot ever written depends on them.
public struct RepositoryParameters: Codable, Sendable, Equatable {
    public struct Chunking: Codable, Sendable, Hashable {
        public var algorithm = "fastcdc-gear"
        public var minimum: Int
        public var average: Int
        public var maximum: Int
        public var normalization: Int

        init(_ parameters: ChunkerParameters) {
            minimum = parameters.minimumSize
            average = parameters.averageSize
            maximum = parameters.maximumSize
            normalization = parameters.normalization
        }

        func parameters() throws -> ChunkerParameters {
            guard algorithm == "fastcdc-gear" else { throw FormatError.corrupt("config", "unknown chunker \(algorithm)") }
            do {
                return try ChunkerParameters(minimumSize: minimum, averageSize: average, maximumSize: maximum,
                                             normalization: normalization)
            } catch {
                throw FormatError.corrupt("config", error.description)
            }
        }
    }

    /// Chunking of text-like (compressible) files: logs, source, documents.
    public var textChunking = Chunking(.text)
    /// Chunking of compressible binaries (NUL bytes in a compressible start: libraries,
    /// compiled modules). Absent from repositories made before they were a class of their
    /// own: those chunk them with `textChunking`, exactly as they always did.
    public var compressibleBinaryChunking: Chunking? = Chunking(.compressibleBinary)
    /// Chunking of database dumps (`DumpDetector`) that compress moderately, whose
    /// scattered row edits each cost about a chunk. Absent from repositories made before
    /// dumps were a class of their own: those chunk dumps with `textChunking`, so their
    /// dumps keep deduplicating against what they already hold.
    public var dumpChunking: Chunking? = Chunking(.dump)
    /// Chunking of dumps whose start compresses `ContentClass.repetitiveDumpRatio` times or
    /// more. Absent from repositories made before: those chunk them as other dumps.
    public var repetitiveDumpChunking: Chunking? = Chunking(.repetitiveDump)
    /// Chunks all dumps, whatever they compress to, around `averageSize` bytes (a power of
    /// two), from a quarter of it to four times it (`repo init --dump-chunk-size`).
    public mutating func chunkDumps(averageSize: Int) throws {
        dumpChunking = Chunking(try ChunkerParameters(averageSize: averageSize))
        repetitiveDumpChunking = dumpChunking
    }

    /// Chunking of binary (incompressible) files: media, archives.
    public var binaryChunking = Chunking(.binary)
    public var blobID = "hmac-sha256"
    public var cipher = "aes-256-gcm"
    /// `zlib` or `zstd` (see `CompressionPolicy`): what new blobs are compressed with.
    /// Readers decode every codec whatever this says. Repositories made before zstd say
    /// `zlib` and keep writing it.
    public var compression = CompressionPolicy.default.algorithm.rawValue
    /// A level of `compression` (zlib 1...9, zstd -7...19 without 0).
    public var compressionLevel = Int(CompressionPolicy.default.level)
    public var packTargetSize: Int = 16 << 20

    /// Segments (docs/format.md, "Segments"): consecutive new data chunks compressed
    /// together into frames of at most `maximum` plaintext bytes, each chunk still indexed
    /// on its own.
    public struct Segments: Codable, Sendable, Equatable {
        public var maximum: Int

        public init(maximum: Int = 1 << 20) { self.maximum = maximum }

        /// What a writer accepts: from 64 KiB to 16 MiB.
        static let range = 64 << 10...16 << 20
    }

    /// Whether and how new data chunks are written in segments. Absent (every repository
    /// made before segments, and any made with `repo init --no-segments`): each chunk is
    /// its own blob, as ever. Readers read segments whatever this says.
    public var segments: Segments? = Segments()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case textChunking = "text_chunking", compressibleBinaryChunking = "compressible_binary_chunking"
        case dumpChunking = "dump_chunking", repetitiveDumpChunking = "repetitive_dump_chunking"
        case binaryChunking = "binary_chunking"
        case blobID = "blob_id", cipher
        case compression, compressionLevel = "compression_level", packTargetSize = "pack_target_size"
        case segments
    }

    /// Refuses parameters this program cannot honour, rather than misread a repository.
    func validate() throws {
        for contentClass in ContentClass.allCases { _ = try chunking(for: contentClass).parameters() }
        for (kind, name, known) in [("blob id", blobID, "hmac-sha256"), ("cipher", cipher, "aes-256-gcm")] where name != known {
            throw FormatError.unsupportedAlgorithm(kind: kind, name: name)
        }
        _ = try compressionPolicy()
        guard (1 << 20...1 << 30).contains(packTargetSize) else {
            throw FormatError.corrupt("config", "pack size out of range")
        }
        if let segments, !Segments.range.contains(segments.maximum) {
            throw FormatError.corrupt("config", "segment size out of range")
        }
    }

    /// The chunking of data of `contentClass`. A class whose field is absent (a repository
    /// made before the class existed) is chunked as it was then: compressible binaries as
    /// text, repetitive dumps as other dumps, dumps as text.
    public func chunking(for contentClass: ContentClass) -> Chunking {
        switch contentClass {
        case .text: textChunking
        case .compressibleBinary: compressibleBinaryChunking ?? textChunking
        case .dump: dumpChunking ?? textChunking
        case .repetitiveDump: repetitiveDumpChunking ?? dumpChunking ?? textChunking
        case .binary: binaryChunking
        }
    }

    /// How new blobs are compressed: `compression` at `compressionLevel`. An algorithm this
    /// program does not know was chosen by a newer version: it asks for an upgrade.
    public func compressionPolicy() throws -> CompressionPolicy {
        guard let algorithm = CompressionPolicy.Algorithm(rawValue: compression) else {
            throw FormatError.unsupportedAlgorithm(kind: "compression", name: compression)
        }
        guard algorithm.accepts(compressionLevel) else {
            throw FormatError.corrupt("config", "\(algorithm) level \(compressionLevel) out of range")
        }
        return CompressionPolicy(algorithm: algorithm, level: Int32(compressionLevel))
    }
}

/// The format versions this build reads, for `repo version`.
public enum RepositoryFormatVersions {
    public static let newest = RepositoryConfig.currentVersion
}

/// The `config` object: a plaintext envelope with the format version and repository id, so
/// that a version mismatch is reported before a password is asked for, around the sealed
/// parameters.
struct RepositoryConfig: Codable, Sendable {
    /// The newest version this build reads.
    static let currentVersion = 4
    /// What `init` writes: a repository stays version 1 until its first key rotation.
    static let initialVersion = 1
    /// Marks a repository with pack key generations (docs/format.md, "Pack key
    /// generations"): version 2 packs and index objects, which a reader of version 1 only
    /// must refuse as a whole, before it reads any of them. Nothing else differs.
    static let generationsVersion = 2
    /// Marks a repository that writes segments (docs/format.md, "Segments"), with or
    /// without key generations: a reader of version 2 at most refuses it as a whole rather
    /// than fail on its first segment. `init` writes it exactly when the parameters ask for
    /// segments.
    static let segmentsVersion = 3
    /// Marks a repository that holds WAL records (docs/format.md, "Version 4: WAL
    /// records"): they keep blobs alive, so a reader that does not know them (whose prune
    /// would delete those blobs) must refuse the repository. The first `wal push` marks it.
    static let walVersion = 4

    /// The version a new repository of `parameters` is written in.
    static func initialVersion(for parameters: RepositoryParameters) -> Int {
        parameters.segments == nil ? initialVersion : segmentsVersion
    }

    var version: Int
    var id: String
    var sealed: Data

    static func make(id: String, parameters: RepositoryParameters, sealer: MetadataSealer) throws -> RepositoryConfig {
        let plaintext = Array(try JSONCoding.encoder.encode(parameters))
        let sealed = try sealer.seal(plaintext, kind: .config, context: Array(id.utf8))
        return RepositoryConfig(version: initialVersion(for: parameters), id: id, sealed: Data(sealed))
    }

    /// Decodes the envelope and checks the version; needs no key.
    static func decode(_ bytes: [UInt8]) throws -> RepositoryConfig {
        struct Version: Decodable { var version: Int }
        guard let version = try? JSONCoding.decoder.decode(Version.self, from: Data(bytes)) else {
            throw FormatError.corrupt("config", "not a repository config")
        }
        guard version.version <= currentVersion else {
            throw FormatError.unsupportedVersion(object: "repository", version: version.version, supported: currentVersion)
        }
        guard let config = try? JSONCoding.decoder.decode(RepositoryConfig.self, from: Data(bytes)),
              ObjectName.isValidID(config.id) else {
            throw FormatError.corrupt("config", "not a repository config")
        }
        return config
    }

    func parameters(sealer: MetadataSealer) throws -> RepositoryParameters {
        let plaintext = try sealer.open(Array(sealed), kind: .config, name: "config", context: Array(id.utf8))
        guard let parameters = try? JSONCoding.decoder.decode(RepositoryParameters.self, from: Data(plaintext)) else {
            throw FormatError.corrupt("config", "parameters do not decode")
        }
        try parameters.validate()
        // Segments are written only under a version that makes older readers refuse.
        guard parameters.segments == nil || version >= Self.segmentsVersion else {
            throw FormatError.corrupt("config", "segments in a version \(version) repository")
        }
        return parameters
    }

    func encoded() throws -> [UInt8] { Array(try JSONCoding.encoder.encode(self)) }
}
