import Chunker
import Codec
import Crypto
import Dispatch
import Foundation

/// Measures, for several chunk sizes, how much of version 2 of a tree is new against
/// version 1 (deduplication) versus how many chunks the index must hold.
struct ChunkSizeStudy {
    let baseline: String
    let successor: String
    let settings: [Setting]

    /// Chunk sizes for text-like (compressible) files and for binary (incompressible)
    /// ones; the same for both when uniform. A file's class is decided by whether the
    /// compressor would compress its first 64 KiB.
    struct Setting {
        let text: ChunkerParameters
        let binary: ChunkerParameters

        /// "64K" (uniform) or "16K/1M" (text/binary).
        init?(_ spec: Substring) {
            let sizes = spec.split(separator: "/").compactMap(parseSize)
            guard (1...2).contains(sizes.count),
                  let text = try? ChunkerParameters(averageSize: sizes[0]),
                  let binary = try? ChunkerParameters(averageSize: sizes.last!) else { return nil }
            self.text = text
            self.binary = binary
        }

        var name: String {
            text == binary ? Report.size(text.averageSize) : "\(Report.size(text.averageSize))/\(Report.size(binary.averageSize))"
        }
    }

    struct Row {
        let setting: Setting
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
        var seconds = 0.0
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
        let textChunker = StreamChunker(parameters: setting.text, gear: gear)
        let binaryChunker = StreamChunker(parameters: setting.binary, gear: gear)
        let compressor = BlobCompressor()
        let frame = UnsafeMutableRawBufferPointer.allocate(
            byteCount: BlobCompressor.maxEncodedSize(forInput: max(setting.text.maximumSize, setting.binary.maximumSize)),
            alignment: 64)
        defer { frame.deallocate() }
        func storedSize(_ chunk: UnsafeRawBufferPointer) -> Int { compressor.encode(chunk, into: frame) }
        func chunker(for path: String) throws -> StreamChunker {
            if setting.text == setting.binary { return textChunker }
            return try isCompressible(path, compressor, frame) ? textChunker : binaryChunker
        }

        var known = Set<Digest256>()
        for (path, _) in baselineFiles {
            try Self.chunkFile(path, chunker(for: path)) { chunk in
                row.baselineChunks += 1
                if known.insert(SHA256.hash(chunk)).inserted {
                    row.uniqueChunks += 1
                    row.baselineStoredBytes += storedSize(chunk)
                }
            }
        }
        for (path, area) in successorFiles {
            try Self.chunkFile(path, chunker(for: path)) { chunk in
                row.successorBytes += chunk.count
                if known.insert(SHA256.hash(chunk)).inserted {
                    row.newChunks += 1
                    row.newBytes += chunk.count
                    row.newStoredBytes += storedSize(chunk)
                    row.newBytesByArea[area, default: 0] += chunk.count
                }
            }
        }
        row.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return row
    }

    /// Whether the compressor would compress the first 64 KiB of the file.
    private func isCompressible(_ path: String, _ compressor: BlobCompressor, _ frame: UnsafeMutableRawBufferPointer) throws -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw BenchError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let head = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 64)
        defer { head.deallocate() }
        let n = read(fd, head.baseAddress, head.count)
        guard n > 0 else { return true }
        _ = compressor.encode(UnsafeRawBufferPointer(rebasing: head[..<n]), into: frame)
        return frame[0] != CodecID.none.rawValue
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
