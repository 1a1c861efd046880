import Chunker
import Codec
import Crypto
import Foundation

/// Compression on a real tree, chunked as a snapshot chunks it (the first 64 KiB of a file
/// decide text or binary chunking, duplicates are dropped): per codec setting and per
/// top-level directory, one core's encode and decode speed over all the input (stored
/// chunks included) and stored/input. Times are CPU time around the codec calls alone.
struct CorpusCodecStudy {
    let root: String
    let policies: [CompressionPolicy]

    struct Row {
        let setting: String
        let area: String
        var inputBytes = 0
        var storedBytes = 0
        var encodeSeconds = 0.0
        var decodeSeconds = 0.0
    }

    func run() throws -> [Row] {
        // Every unique chunk, back to back in one buffer, with its area.
        var chunks = [(range: Range<Int>, area: String)]()
        var bytes = [UInt8]()
        var known = Set<Digest256>()
        let gear = GearTable(seed: 0x5EED)
        let textChunker = StreamChunker(parameters: .text, gear: gear)
        let binaryChunker = StreamChunker(parameters: .binary, gear: gear)
        let classifier = BlobCompressor()
        for (path, area) in try ChunkSizeStudy.regularFiles(under: root) {
            let head = Array(try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped).prefix(64 << 10))
            let chunker = head.withUnsafeBytes { classifier.looksCompressible($0) } ? textChunker : binaryChunker
            try ChunkSizeStudy.chunkFile(path, chunker) { chunk in
                guard known.insert(SHA256.hash(chunk)).inserted else { return }
                chunks.append((bytes.count..<bytes.count + chunk.count, area))
                bytes.append(contentsOf: chunk)
            }
        }
        let largest = chunks.map(\.range.count).max() ?? 0
        let areas = Set(chunks.map(\.area)).sorted()
        var rows = [Row]()
        try bytes.withUnsafeBytes { input in
            let frames = UnsafeMutableRawBufferPointer.allocate(byteCount: input.count + chunks.count, alignment: 64)
            let output = UnsafeMutableRawBufferPointer.allocate(byteCount: max(largest, 1), alignment: 64)
            defer { frames.deallocate(); output.deallocate() }
            // Touched once up front, so that no setting pays the page faults of first use.
            frames.initializeMemory(as: UInt8.self, repeating: 0)
            output.initializeMemory(as: UInt8.self, repeating: 0)
            for policy in policies {
                var byArea = Dictionary(uniqueKeysWithValues: areas.map { ($0, Row(setting: policy.setting, area: $0)) })
                let compressor = BlobCompressor(policy: policy)
                let decompressor = BlobDecompressor()
                var frameRanges = [Range<Int>]()
                frameRanges.reserveCapacity(chunks.count)
                var written = 0
                for (range, area) in chunks {
                    let chunk = UnsafeRawBufferPointer(rebasing: input[range])
                    let capacity = BlobCompressor.maxEncodedSize(forInput: chunk.count)
                    let start = Stopwatch.threadCPUSeconds()
                    let n = compressor.encode(chunk, into: UnsafeMutableRawBufferPointer(rebasing: frames[written..<written + capacity]))
                    byArea[area]!.encodeSeconds += Stopwatch.threadCPUSeconds() - start
                    byArea[area]!.inputBytes += chunk.count
                    byArea[area]!.storedBytes += n
                    frameRanges.append(written..<written + n)
                    written += n
                }
                for ((_, area), frame) in zip(chunks, frameRanges) {
                    let start = Stopwatch.threadCPUSeconds()
                    _ = try decompressor.decode(UnsafeRawBufferPointer(rebasing: frames[frame]), into: output)
                    byArea[area]!.decodeSeconds += Stopwatch.threadCPUSeconds() - start
                }
                var total = Row(setting: policy.setting, area: "all")
                for row in byArea.values {
                    total.inputBytes += row.inputBytes
                    total.storedBytes += row.storedBytes
                    total.encodeSeconds += row.encodeSeconds
                    total.decodeSeconds += row.decodeSeconds
                }
                rows += [total] + areas.map { byArea[$0]! }
            }
        }
        return rows
    }
}
