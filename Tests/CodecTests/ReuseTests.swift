import TestSupport
import Testing
import Codec

/// A compressor and a decompressor reused across thousands of chunks of every kind
/// (and across decode failures) behave exactly like fresh instances.
struct ReuseTests {
    @Test(arguments: CompressionPolicy.Algorithm.allCases)
    func reuseMatchesFreshInstances(algorithm: CompressionPolicy.Algorithm) throws {
        let pools = DataKind.allCases.map { $0.bytes(1 << 20, seed: 99) }
        var generator = SeededGenerator(seed: 2024)
        let policy = CompressionPolicy(algorithm: algorithm)
        let compressor = BlobCompressor(policy: policy)
        let decompressor = BlobDecompressor()
        var kindsSeen = Set<UInt8>()

        for iteration in 0..<3000 {
            let pool = pools[iteration % pools.count]
            let length = iteration % 7 == 0 ? Int(generator.next() % 8) : Int(generator.next() % 40_000)
            let start = Int(generator.next() % UInt64(pool.count - length))
            let input = Array(pool[start ..< start + length])

            let reused = GuardedBuffers.encode(input, with: compressor)
            if iteration % 10 == 0 {
                let fresh = GuardedBuffers.encode(input, with: BlobCompressor(policy: policy))
                #expect(reused == fresh, "iteration \(iteration)")
            }
            kindsSeen.insert(reused[0])
            #expect(try GuardedBuffers.decode(reused, with: decompressor) == input, "iteration \(iteration)")

            if iteration % 100 == 50, reused[0] == algorithm.codec.rawValue {
                // A failure in between must not leave state behind.
                #expect(throws: CodecError.self) {
                    try GuardedBuffers.decode(Array(reused.dropLast(reused.count / 2)), with: decompressor)
                }
            }
        }
        #expect(kindsSeen == [CodecID.none.rawValue, algorithm.codec.rawValue])
        #expect(compressor.statistics.chunks == 3000)
    }

    @Test func instancesPerTaskWorkConcurrently() async throws {
        let input = DataKind.mixed.bytes(256 << 10)
        let expected = input.withUnsafeBytes { BlobCompressor().encode($0) }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    // One compressor and decompressor per task: they are not Sendable.
                    let compressor = BlobCompressor()
                    let decompressor = BlobDecompressor()
                    for _ in 0..<10 {
                        let frame = input.withUnsafeBytes { compressor.encode($0) }
                        guard frame == expected else { return false }
                        guard try frame.withUnsafeBytes({ try decompressor.decode($0) }) == input else { return false }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
