import Chunker
import Codec
import Crypto

/// One measured figure: a stage on a kind of data, optionally beside openssl's own.
struct Measurement {
    let stage: String
    let data: DataKind
    let megabytesPerSecond: Double
    /// `openssl speed` for the same primitive and buffer size, where there is one.
    var openssl: Double? = nil
    /// Stored size over input size, for the compression stage.
    var ratio: Double? = nil
}

/// Single-core throughput of every stage of the snapshot pipeline.
struct StageBenchmarks {
    let stopwatch: Stopwatch
    /// Each is measured in a compress and a decompress row of its own.
    var policies = [CompressionPolicy.default]
    /// Bytes each pass runs over; large enough to fall out of the CPU caches.
    let corpusBytes = 64 << 20
    let bufferSize = 1 << 20

    func run(kinds: [DataKind]) throws -> [Measurement] {
        var results = [Measurement]()
        for kind in kinds {
            let corpus = kind.make(byteCount: corpusBytes)
            defer { corpus.deallocate() }
            let input = UnsafeRawBufferPointer(corpus)
            // The primitives compared with `openssl speed` run as it does: over one 1 MiB
            // buffer, again and again, so that both figures measure the code, not the memory.
            let cached = UnsafeRawBufferPointer(rebasing: input[0..<bufferSize])
            results.append(Measurement(stage: "chunking 16K", data: kind, megabytesPerSecond: chunking(input, .smallText)))
            results.append(Measurement(stage: "chunking 1M", data: kind, megabytesPerSecond: chunking(input, .binary)))
            results.append(Measurement(stage: "sha256", data: kind, megabytesPerSecond: sha256(cached)))
            results.append(Measurement(stage: "hmac-sha256", data: kind, megabytesPerSecond: hmac(cached)))
            let (seal, open) = try aesGCM(cached)
            results.append(Measurement(stage: "aes-256-gcm seal", data: kind, megabytesPerSecond: seal))
            results.append(Measurement(stage: "aes-256-gcm open", data: kind, megabytesPerSecond: open))
            for policy in policies {
                let (compress, ratio, decompress) = try compression(input, policy: policy)
                results.append(Measurement(stage: "compress \(policy.setting)", data: kind, megabytesPerSecond: compress, ratio: ratio))
                results.append(Measurement(stage: "decompress \(policy.setting)", data: kind, megabytesPerSecond: decompress))
            }
        }
        return results
    }

    /// Calls `body` with each `bufferSize` slice of `input` (or with all of a smaller
    /// input, 64 times) and returns the bytes seen.
    private func slices(_ input: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows -> Int {
        if input.count <= bufferSize {
            for _ in 0..<64 { try body(input) }
            return 64 * input.count
        }
        var offset = 0
        while offset < input.count {
            let end = min(offset + bufferSize, input.count)
            try body(UnsafeRawBufferPointer(rebasing: input[offset..<end]))
            offset = end
        }
        return input.count
    }

    func chunking(_ input: UnsafeRawBufferPointer, _ parameters: ChunkerParameters) -> Double {
        var scanner = ChunkBoundaryScanner(parameters: parameters, gear: GearTable(seed: 1))
        return stopwatch.throughput {
            var rest = input
            while let cut = scanner.nextBoundary(in: rest) { rest = UnsafeRawBufferPointer(rebasing: rest[cut...]) }
            scanner.reset()
            return input.count
        }
    }

    func sha256(_ input: UnsafeRawBufferPointer) -> Double {
        var sink: UInt8 = 0
        let rate = stopwatch.throughput { slices(input) { sink ^= SHA256.hash($0).withUnsafeBytes { $0[0] } } }
        blackHole(sink)
        return rate
    }

    func hmac(_ input: UnsafeRawBufferPointer) -> Double {
        let hasher = HMACSHA256Hasher(key: SymmetricKey.random(byteCount: 32))
        var sink: UInt8 = 0
        let rate = stopwatch.throughput {
            slices(input) {
                hasher.update($0)
                sink ^= hasher.finalize().withUnsafeBytes { $0[0] }
            }
        }
        blackHole(sink)
        return rate
    }

    func aesGCM(_ input: UnsafeRawBufferPointer) throws -> (seal: Double, open: Double) {
        let cipher = try AES256GCM(key: SymmetricKey.random(byteCount: 32))
        let sealed = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize + AES256GCM.overhead, alignment: 64)
        let opened = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 64)
        defer { sealed.deallocate(); opened.deallocate() }
        let noAAD = UnsafeRawBufferPointer(start: nil, count: 0)
        // In place, as openssl speed does and as the pipeline does (the compressor writes
        // straight into the sealed message's place).
        UnsafeMutableRawBufferPointer(rebasing: sealed[AES256GCM.nonceByteCount...]).copyMemory(from: input)
        let seal = try stopwatch.throughput {
            try slices(input) {
                _ = try cipher.sealInPlace(sealed, plaintextCount: $0.count, nonce: .random(), authenticating: noAAD)
            }
        }
        let sealedCount = try cipher.seal(input, nonce: .random(), authenticating: noAAD, into: sealed)
        let message = UnsafeRawBufferPointer(rebasing: sealed[0..<sealedCount])
        let open = try stopwatch.throughput {
            try slices(input) { _ in _ = try cipher.open(message, authenticating: noAAD, into: opened) }
        }
        return (seal, open)
    }

    func compression(_ input: UnsafeRawBufferPointer, policy: CompressionPolicy) throws
        -> (compress: Double, ratio: Double, decompress: Double) {
        let compressor = BlobCompressor(policy: policy)
        let decompressor = BlobDecompressor()
        let capacity = BlobCompressor.maxEncodedSize(forInput: bufferSize)
        let frames = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity * (input.count / bufferSize + 1), alignment: 64)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 64)
        defer { frames.deallocate(); output.deallocate() }
        var frameRanges = [Range<Int>]()
        let compress = stopwatch.throughput {
            frameRanges.removeAll(keepingCapacity: true)
            var written = 0
            return slices(input) { slice in
                let n = compressor.encode(slice, into: UnsafeMutableRawBufferPointer(rebasing: frames[written..<written + capacity]))
                frameRanges.append(written..<written + n)
                written += n
            }
        }
        let stored = frameRanges.reduce(0) { $0 + $1.count }
        let decompress = try stopwatch.throughput {
            var bytes = 0
            for range in frameRanges {
                bytes += try decompressor.decode(UnsafeRawBufferPointer(rebasing: frames[range]), into: output)
            }
            return bytes
        }
        return (compress, Double(stored) / Double(input.count), decompress)
    }
}

/// Keeps the optimiser from discarding a computation whose result is otherwise unused.
@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }
