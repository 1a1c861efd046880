import Foundation
import Testing
@testable import Chunker

/// Deterministic pseudo-random bytes, so failures reproduce.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var out = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        out[i] = UInt8(truncatingIfNeeded: state >> 56)
    }
    return out
}

let small = try! ChunkerParameters(minimumSize: 512, averageSize: 2048, maximumSize: 8192)
let gear = GearTable(seed: 42)

/// Chunk lengths found by scanning `data` in reads of the given sizes (cycled).
func chunkLengths(_ data: [UInt8], readSizes: [Int], parameters: ChunkerParameters = small, gear: GearTable = gear) -> [Int] {
    var scanner = ChunkBoundaryScanner(parameters: parameters, gear: gear)
    var lengths = [Int]()
    var current = 0
    var offset = 0
    var read = 0
    data.withUnsafeBytes { all in
        while offset < all.count {
            let size = min(readSizes[read % readSizes.count], all.count - offset)
            read += 1
            var piece = UnsafeRawBufferPointer(rebasing: all[offset..<offset + size])
            while let cut = scanner.nextBoundary(in: piece) {
                lengths.append(current + cut)
                current = 0
                piece = UnsafeRawBufferPointer(rebasing: piece[cut...])
            }
            current += piece.count
            offset += size
        }
    }
    if current > 0 { lengths.append(current) }
    return lengths
}

/// Chunks as byte arrays, through StreamChunker with a reader handing out `readSize` bytes.
func streamChunks(_ data: [UInt8], readSize: Int, parameters: ChunkerParameters = small) throws -> [[UInt8]] {
    let chunker = StreamChunker(parameters: parameters, gear: gear, bufferCapacity: 0)
    var offset = 0
    var chunks = [[UInt8]]()
    let total = try chunker.chunk(reader: { target in
        let n = min(readSize, target.count, data.count - offset)
        data.withUnsafeBytes { src in
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + n]))
        }
        offset += n
        return n
    }) { chunk in chunks.append(Array(chunk)) }
    #expect(total == data.count)
    return chunks
}

@Suite struct BoundaryTests {
    @Test func sameBoundariesWhateverTheReadSizes() {
        let data = randomBytes(300_000, seed: 1)
        let whole = chunkLengths(data, readSizes: [data.count])
        #expect(whole.count > 50)
        #expect(whole.reduce(0, +) == data.count)
        for sizes in [[1], [7], [63, 64, 65], [511, 512, 513], [4096], [65_537], [3, 10_000, 1, 9_999]] {
            #expect(chunkLengths(data, readSizes: sizes) == whole, "read sizes \(sizes)")
        }
    }

    @Test func sizesStayWithinBounds() {
        let data = randomBytes(4_000_000, seed: 2)
        let lengths = chunkLengths(data, readSizes: [1 << 20])
        for length in lengths.dropLast() {
            #expect(length >= small.minimumSize && length <= small.maximumSize)
        }
        let mean = Double(data.count) / Double(lengths.count)
        // Normalized chunking keeps the mean close to the target average.
        #expect(mean > 0.75 * Double(small.averageSize) && mean < 1.5 * Double(small.averageSize), "mean \(mean)")
    }

    @Test func uniformDataIsCutIntoEqualChunks() {
        let zeros = [UInt8](repeating: 0, count: 100_000)
        let lengths = chunkLengths(zeros, readSizes: [777])
        #expect(Set(lengths.dropLast()).count == 1)
        #expect(lengths.reduce(0, +) == zeros.count)
    }

    @Test func theGearTableDecidesTheBoundaries() throws {
        let data = randomBytes(200_000, seed: 3)
        let a = chunkLengths(data, readSizes: [4096], gear: GearTable(seed: 1))
        let b = chunkLengths(data, readSizes: [4096], gear: GearTable(seed: 2))
        #expect(a != b)
        let material = randomBytes(GearTable.keyMaterialByteCount, seed: 9)
        let keyed = try GearTable(keyMaterial: material)
        #expect(chunkLengths(data, readSizes: [4096], gear: keyed) == chunkLengths(data, readSizes: [1, 4096], gear: keyed))
    }

    @Test func emptyInputHasNoChunks() throws {
        #expect(chunkLengths([], readSizes: [1]).isEmpty)
        #expect(try streamChunks([], readSize: 10).isEmpty)
    }

    @Test func shortInputIsOneChunk() throws {
        let data = randomBytes(100, seed: 4)
        #expect(try streamChunks(data, readSize: 7) == [data])
    }
}

@Suite struct EditLocalityTests {
    /// Chunks of `a` and `b` as content, and how many of `b`'s are not in `a`.
    func newChunks(_ a: [UInt8], _ b: [UInt8]) throws -> (count: Int, total: Int) {
        let old = Set(try streamChunks(a, readSize: 1 << 16))
        let new = try streamChunks(b, readSize: 1 << 16)
        return (new.filter { !old.contains($0) }.count, new.count)
    }

    @Test func insertionChangesOnlyNearbyChunks() throws {
        let original = randomBytes(2_000_000, seed: 5)
        var edited = original
        edited.insert(contentsOf: randomBytes(100, seed: 6), at: 1_000_000)
        let (changed, total) = try newChunks(original, edited)
        #expect(total > 500)
        #expect(changed >= 1 && changed <= 3, "\(changed) of \(total) chunks changed")
    }

    @Test func deletionChangesOnlyNearbyChunks() throws {
        let original = randomBytes(2_000_000, seed: 7)
        var edited = original
        edited.removeSubrange(1_234_567..<1_234_567 + 3000)
        let (changed, _) = try newChunks(original, edited)
        #expect(changed >= 1 && changed <= 3, "\(changed) chunks changed")
    }

    @Test func overwriteChangesOnlyNearbyChunks() throws {
        let original = randomBytes(2_000_000, seed: 8)
        var edited = original
        for i in 500_000..<500_010 { edited[i] ^= 0xFF }
        let (changed, _) = try newChunks(original, edited)
        #expect(changed >= 1 && changed <= 2, "\(changed) chunks changed")
    }
}

@Suite struct StreamChunkerTests {
    @Test func streamMatchesScannerForManyReadSizes() throws {
        let data = randomBytes(500_000, seed: 10)
        let expected = chunkLengths(data, readSizes: [data.count])
        for readSize in [1, 13, 4096, 100_000, 1 << 20] {
            let chunks = try streamChunks(data, readSize: readSize)
            #expect(chunks.map(\.count) == expected, "read size \(readSize)")
            #expect(Array(chunks.joined()) == data)
        }
    }

    @Test func chunksAFileDescriptor() throws {
        let data = randomBytes(3_000_000, seed: 11)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chunker-\(UUID()).bin")
        try Data(data).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let fd = open(url.path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        let chunker = StreamChunker(parameters: small, gear: gear, bufferCapacity: 64 << 10)
        var chunks = [[UInt8]]()
        let total = try chunker.chunk(fileDescriptor: fd) { chunks.append(Array($0)) }
        #expect(total == data.count)
        #expect(chunks.map(\.count) == chunkLengths(data, readSizes: [data.count]))
        #expect(Array(chunks.joined()) == data)
    }

    @Test func readErrorsAreTyped() throws {
        let chunker = StreamChunker(parameters: small, gear: gear)
        #expect(throws: ChunkerError.readFailed(errno: EBADF)) {
            try chunker.chunk(fileDescriptor: -1) { _ in }
        }
    }

    @Test func reusedChunkerGivesTheSameChunks() throws {
        let chunker = StreamChunker(parameters: small, gear: gear)
        let a = randomBytes(100_000, seed: 12), b = randomBytes(50_000, seed: 13)
        func run(_ data: [UInt8]) throws -> [Int] {
            var offset = 0
            var lengths = [Int]()
            try chunker.chunk(reader: { target in
                let n = min(target.count, data.count - offset, 3000)
                data.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + n])) }
                offset += n
                return n
            }) { lengths.append($0.count) }
            return lengths
        }
        let first = try run(a)
        _ = try run(b)
        #expect(try run(a) == first)
    }
}

@Suite struct ParameterTests {
    @Test func rejectsBadSizes() {
        #expect(throws: ChunkerError.self) { try ChunkerParameters(minimumSize: 512, averageSize: 3000, maximumSize: 8192) }
        #expect(throws: ChunkerError.self) { try ChunkerParameters(minimumSize: 4096, averageSize: 2048, maximumSize: 8192) }
        #expect(throws: ChunkerError.self) { try ChunkerParameters(minimumSize: 32, averageSize: 2048, maximumSize: 8192) }
        #expect(throws: ChunkerError.self) { try ChunkerParameters(minimumSize: 512, averageSize: 2048, maximumSize: 2048) }
        #expect(throws: ChunkerError.self) { try GearTable(keyMaterial: [UInt8](repeating: 1, count: 100)) }
        #expect(throws: ChunkerError.self) { try GearTable(keyMaterial: [UInt8](repeating: 1, count: 2048)) }
    }

    @Test func masksSelectHighBits() {
        #expect(ChunkerParameters.mask(bits: 1) == 0x8000_0000_0000_0000)
        #expect(ChunkerParameters.mask(bits: 12).nonzeroBitCount == 12)
        #expect(small.smallChunkMask.nonzeroBitCount == 13)
        #expect(small.largeChunkMask.nonzeroBitCount == 9)
    }
}
