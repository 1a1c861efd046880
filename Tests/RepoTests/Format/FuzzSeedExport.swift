import Codec
import Crypto
import Foundation
@testable import Repo
@testable import Storage
import Testing

/// Writes the seed corpora of the fuzz targets (Fuzz/README.md) from a real repository:
/// the decrypted plaintexts of its index objects, snapshots, trees, pack headers and blob
/// frames, and its config and key files as stored. Runs only when Fuzz/seeds.sh asks
/// (REPO_FUZZ_SEED_REPOSITORY, _PASSWORD, _OUTPUT); otherwise it is skipped.
struct FuzzSeedExport {
    static let environment = ProcessInfo.processInfo.environment

    @Test(.enabled(if: environment["REPO_FUZZ_SEED_REPOSITORY"] != nil, "runs only for Fuzz/seeds.sh (REPO_FUZZ_SEED_REPOSITORY)"))
    func exportSeeds() throws {
        let path = try #require(Self.environment["REPO_FUZZ_SEED_REPOSITORY"])
        let password = Array(try #require(Self.environment["REPO_FUZZ_SEED_PASSWORD"]).utf8)
        let output = try #require(Self.environment["REPO_FUZZ_SEED_OUTPUT"])
        let backend = try LocalBackend(existingAt: path)
        let repository = try Repository.open(backend: backend, password: password, cacheDirectory: nil)
        let writer = SeedWriter(directory: output)

        try writer.write("config", try backend.read(.config))
        let keyFiles = try backend.list(.keys)
        for info in keyFiles { try writer.write("key-file", try backend.read(info.name)) }
        let keys = try #require(try keyFiles.lazy.compactMap {
            try KeyFile.decode(try backend.read($0.name), name: "key").unwrap(password: password, name: "key")
        }.first)
        try writer.write("config", try JSONCoding.encoder.encode(repository.parameters))

        for info in try backend.list(.index) { try writer.write("index-object", try repository.indexPlaintext(info.name, cached: false)) }

        var trees: [Digest256] = []
        for info in try backend.list(.snapshots) {
            let plaintext = try repository.metadata.open(try backend.read(info.name), kind: .snapshot, name: "snapshot")
            try writer.write("snapshot", plaintext)
            trees.append(try Snapshot.decode(plaintext, name: "snapshot").tree)
        }
        // Every tree reachable from the snapshots.
        var seen = Set<Digest256>()
        while let id = trees.popLast() {
            guard seen.insert(id).inserted else { continue }
            let plaintext = try repository.loadBlob(id)
            try writer.write("tree", plaintext)
            trees += try Tree.decode(plaintext, name: "tree").nodes.compactMap(\.subtree)
        }

        // Pack headers (with where they start, as the target reads them) and blob frames.
        let reader = PackReader(keys: keys)
        for kind in [ObjectKind.dataPack, .treePack] {
            for info in try backend.list(kind) {
                let pack = try backend.read(info.name)
                let preamble = try reader.preamble(pack, name: "pack")
                let (plaintext, headerStart) = try reader.openHeader(preamble: preamble, tail: pack[...], packSize: pack.count, name: "pack")
                let span = UInt32(headerStart - preamble.byteCount)
                try writer.write("pack-header", (0..<4).map { UInt8(truncatingIfNeeded: span >> (8 * $0)) } + plaintext)
                let cipher = try AES256GCM(key: keys.packKey(generation: preamble.generation, salt: preamble.salt))
                for entry in try PackReader.entries(plaintext: plaintext, headerStart: headerStart, preambleByteCount: preamble.byteCount,
                                                    name: "pack").prefix(8) {
                    let sealed = Array(pack[entry.offset..<entry.offset + entry.length])
                    let aad = PackLayout.withBlobAssociatedData(type: entry.type, id: entry.id) { Array($0) }
                    let frame = try cipher.open(sealed, aad: aad)
                    guard frame.count <= 1 << 16 else { continue }  // seeds stay small
                    try writer.write("codec-frame", frame)
                    // The same plaintext as the other codecs frame it.
                    let decoded = try frame.withUnsafeBytes { frame throws(CodecError) in try BlobDecompressor().decode(frame) }
                    for algorithm in [CompressionPolicy.Algorithm.zlib, .zstd] {
                        let compressor = BlobCompressor(policy: CompressionPolicy(algorithm: algorithm))
                        try writer.write("codec-frame", decoded.withUnsafeBytes { compressor.encode($0) })
                    }
                }
            }
        }
        #expect(writer.written > 0)
    }
}

/// Writes each seed as Fuzz/corpus/TARGET/<SHA-256 of its bytes>, as libFuzzer names them.
private final class SeedWriter {
    let directory: String
    private(set) var written = 0

    init(directory: String) { self.directory = directory }

    func write(_ target: String, _ bytes: some Collection<UInt8>) throws {
        let bytes = Array(bytes)
        let folder = URL(fileURLWithPath: directory).appendingPathComponent(target)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: folder.appendingPathComponent(SHA256.hash(bytes).hex))
        written += 1
    }
}
