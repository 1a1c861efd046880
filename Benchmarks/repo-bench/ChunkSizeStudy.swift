import Chunker
import Codec
import Crypto
import Dispatch
import Foundation
import Repo

/// Measures, for several chunk sizes, how much of version 2 of a tree is new against
/// version 1 (deduplication) versus how many chunks the index must hold.
struct ChunkSizeStudy {
    let baseline: String
    let successor: String
    let settings: [Setting]

    /// Chunk sizes for each content class: text, compressible binaries, dumps, repetitive
    /// dumps and binary (incompressible) files. A file's class is decided as a snapshot
    /// decides it (`ContentClass`), from its first 64 KiB.
    struct Setting {
        let text: ChunkerParameters
        let compressibleBinary: ChunkerParameters
        let dump: ChunkerParameters
        let repetitiveDump: ChunkerParameters
        let binary: ChunkerParameters

        /// "64K" (uniform), "16K/1M" (binary 1M, the rest 16K), "16K/4K/1M" (text and
        /// compressible binaries / all dumps / binary) or "64K/1M/16K/1M/1M" (text /
        /// compressible binaries / dumps / repetitive dumps / binary). Each size is an average
        /// (minimum a quarter, maximum four times) or "MIN-AVERAGE-MAX", either optionally
        /// followed by "@N", a normalization level.
        init?(_ spec: Substring) {
            let sizes = spec.split(separator: "/").compactMap(Self.parameters)
            guard sizes.count == spec.split(separator: "/").count, [1, 2, 3, 5].contains(sizes.count) else { return nil }
            text = sizes[0]
            binary = sizes[sizes.count - 1]
            compressibleBinary = sizes.count == 5 ? sizes[1] : text
            dump = sizes.count == 5 ? sizes[2] : sizes.count == 3 ? sizes[1] : text
            repetitiveDump = sizes.count == 5 ? sizes[3] : dump
        }

        func parameters(for contentClass: ContentClass) -> ChunkerParameters {
            switch contentClass {
            case .text: text
            case .compressibleBinary: compressibleBinary
            case .dump: dump
            case .repetitiveDump: repetitiveDump
            case .binary: binary
            }
        }

        private static func parameters(_ spec: Substring) -> ChunkerParameters? {
            let parts = spec.split(separator: "@")
            guard (1...2).contains(parts.count), let normalization = parts.count == 2 ? Int(parts[1]) : 2 else { return nil }
            let sizes = parts[0].split(separator: "-").compactMap(parseSize)
            switch sizes.count {
            case 1: return try? ChunkerParameters(minimumSize: sizes[0] / 4, averageSize: sizes[0], maximumSize: sizes[0] * 4,
                                                  normalization: normalization)
            case 3: return try? ChunkerParameters(minimumSize: sizes[0], averageSize: sizes[1], maximumSize: sizes[2],
                                                  normalization: normalization)
            default: return nil
            }
        }

        var name: String {
            let names = [text, compressibleBinary, dump, repetitiveDump, binary].map(Self.name)
            guard compressibleBinary == text, repetitiveDump == dump else { return names.joined(separator: "/") }
            if text == binary && dump == text { return names[0] }
            return dump == text ? "\(names[0])/\(names[4])" : [names[0], names[2], names[4]].joined(separator: "/")
        }

        /// The name of the chunking of `contentClass` alone.
        func name(of contentClass: ContentClass) -> String { Self.name(parameters(for: contentClass)) }

        private static func name(_ parameters: ChunkerParameters) -> String {
            let average = parameters.averageSize
            let shape = parameters.minimumSize == average / 4 && parameters.maximumSize == average * 4
                ? Report.size(average)
                : [parameters.minimumSize, average, parameters.maximumSize].map(Report.size).joined(separator: "-")
            return parameters.normalization == 2 ? shape : "\(shape)@\(parameters.normalization)"
        }
    }

    /// What one content class contributes to a row.
    struct ClassFigures {
        /// Files of version 1 of the class.
        var files = 0
        var baselineBytes = 0
        var baselineChunks = 0
        var baselineStoredBytes = 0
        var newChunks = 0
        var newStoredBytes = 0
        var newContentListBytes = 0
        /// Chunking, hashing and compressing the class's files of both versions, one core.
        var seconds = 0.0

        var estimatedGrowth: Int { newStoredBytes + newChunks * Row.blobOverhead + newContentListBytes }
    }

    struct Row {
        let setting: Setting
        /// Files of either version classified as database dumps.
        var dumpFiles = 0
        var classes: [ContentClass: ClassFigures] = [:]
        var baselineChunks = 0
        /// Bytes stored for version 1 after compression (before encryption overhead).
        var baselineStoredBytes = 0
        var uniqueChunks = 0
        var successorBytes = 0
        var newChunks = 0
        var newBytes = 0
        var newStoredBytes = 0
        /// New bytes of the successor by top-level directory (db, media, www, logs...).
        var newBytesByArea: [String: Int] = [:]
        /// New bytes stored for the successor (after compression) by top-level directory.
        var newStoredBytesByArea: [String: Int] = [:]
        /// Bytes of the content lists that the successor's changed files put into new tree
        /// blobs: `contentListEntry` for every chunk of a file with a new chunk. A file's
        /// whole list is written again when any part of it changes, so this grows with the
        /// number of chunks of a large changed file (a dump), not with what changed.
        var newContentListBytes = 0
        var seconds = 0.0

        /// What the successor adds to a repository, estimated: its new chunks as stored,
        /// each new blob's share of seal, pack header and index, and the content lists of
        /// its changed files. Leaves out the rest of the tree blobs (names, metadata).
        var estimatedGrowth: Int { newStoredBytes + newChunks * Self.blobOverhead + newContentListBytes }

        /// Bytes a stored blob costs besides its frame: nonce and tag (28), its entry in its
        /// pack's header (type, id, two varints: about 37) and in an index object (id, three
        /// varints: about 39). docs/format.md.
        static let blobOverhead = 104
        /// A content piece in a tree: `0x00` and the blob id.
        static let contentListEntry = 33
    }

    func run() throws -> [Row] {
        let baselineFiles = try Self.regularFiles(under: baseline)
        let successorFiles = try Self.regularFiles(under: successor)
        let results = Results(count: settings.count)
        DispatchQueue.concurrentPerform(iterations: settings.count) { index in
            results.set(index, Result { try measure(settings[index], baselineFiles, successorFiles) })
        }
        return try results.all()
    }

    private func measure(_ setting: Setting, _ baselineFiles: [(String, String)], _ successorFiles: [(String, String)]) throws -> Row {
        let start = DispatchTime.now().uptimeNanoseconds
        var row = Row(setting: setting)
        let gear = GearTable(seed: 0x5EED)
        let chunkers = Dictionary(uniqueKeysWithValues: ContentClass.allCases.map {
            ($0, StreamChunker(parameters: setting.parameters(for: $0), gear: gear))
        })
        let compressor = BlobCompressor()
        let frame = UnsafeMutableRawBufferPointer.allocate(
            byteCount: BlobCompressor.maxEncodedSize(forInput: ContentClass.allCases.map { setting.parameters(for: $0).maximumSize }.max()!),
            alignment: 64)
        defer { frame.deallocate() }
        func storedSize(_ chunk: UnsafeRawBufferPointer) -> Int { compressor.encode(chunk, into: frame) }
        func contentClass(of path: String) throws -> ContentClass {
            let contentClass = try Self.contentClass(of: path, compressor)
            if contentClass == .dump || contentClass == .repetitiveDump { row.dumpFiles += 1 }
            return contentClass
        }
        func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

        var known = Set<Digest256>()
        for (path, _) in baselineFiles {
            let fileStart = DispatchTime.now().uptimeNanoseconds
            let fileClass = try contentClass(of: path)
            var figures = row.classes[fileClass] ?? ClassFigures()
            figures.files += 1
            try Self.chunkFile(path, chunkers[fileClass]!) { chunk in
                row.baselineChunks += 1
                figures.baselineChunks += 1
                figures.baselineBytes += chunk.count
                if known.insert(SHA256.hash(chunk)).inserted {
                    row.uniqueChunks += 1
                    let stored = storedSize(chunk)
                    row.baselineStoredBytes += stored
                    figures.baselineStoredBytes += stored
                }
            }
            figures.seconds += seconds(since: fileStart)
            row.classes[fileClass] = figures
        }
        for (path, area) in successorFiles {
            let fileStart = DispatchTime.now().uptimeNanoseconds
            let fileClass = try contentClass(of: path)
            var figures = row.classes[fileClass] ?? ClassFigures()
            var chunks = 0
            var changed = false
            try Self.chunkFile(path, chunkers[fileClass]!) { chunk in
                chunks += 1
                row.successorBytes += chunk.count
                if known.insert(SHA256.hash(chunk)).inserted {
                    changed = true
                    row.newChunks += 1
                    figures.newChunks += 1
                    row.newBytes += chunk.count
                    let stored = storedSize(chunk)
                    row.newStoredBytes += stored
                    figures.newStoredBytes += stored
                    row.newBytesByArea[area, default: 0] += chunk.count
                    row.newStoredBytesByArea[area, default: 0] += stored
                }
            }
            if changed {
                row.newContentListBytes += chunks * Row.contentListEntry
                figures.newContentListBytes += chunks * Row.contentListEntry
            }
            figures.seconds += seconds(since: fileStart)
            row.classes[fileClass] = figures
        }
        row.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return row
    }

    /// The class of the file from its first 64 KiB, as a snapshot decides it.
    private static func contentClass(of path: String, _ compressor: BlobCompressor) throws -> ContentClass {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw BenchError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let head = UnsafeMutableRawBufferPointer.allocate(byteCount: ContentClass.sampleSize, alignment: 64)
        defer { head.deallocate() }
        var count = 0
        while count < head.count {
            let n = read(fd, head.baseAddress! + count, head.count - count)
            guard n > 0 else { break }
            count += n
        }
        return ContentClass(sample: UnsafeRawBufferPointer(rebasing: head[..<count]), compressor: compressor)
    }

    static func chunkFile(_ path: String, _ chunker: StreamChunker, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw BenchError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try chunker.chunk(fileDescriptor: fd, body)
    }

    /// Regular files under `root`, sorted, each with its top-level directory's name.
    static func regularFiles(under root: String) throws -> [(String, String)] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { throw BenchError("cannot read \(root)") }
        var files = [(String, String)]()
        while let relative = walker.nextObject() as? String {
            if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular {
                let area = relative.split(separator: "/").first.map(String.init) ?? relative
                files.append((root + "/" + relative, area))
            }
        }
        return files.sorted { $0.0 < $1.0 }
    }
}

/// Collects one result per setting from concurrent workers.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<ChunkSizeStudy.Row, Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<ChunkSizeStudy.Row, Error>) { lock.withLock { slots[index] = result } }

    func all() throws -> [ChunkSizeStudy.Row] { try lock.withLock { try slots.map { try $0!.get() } } }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
