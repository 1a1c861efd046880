import Codec
import Foundation

// repo-bench: single-core throughput of every pipeline stage beside `openssl speed`,
// and the chunk-size study that chose the repository defaults.
//
//   repo-bench [--json] [--seconds S] [--rounds N] [--data random,text,zero] [--codecs zstd:3,zlib:2]
//     (each figure is the best of N rounds of S seconds; openssl speed likewise; one
//     compress and one decompress row per codec setting, default the default policy)
//   repo-bench chunk-sizes V1_DIR V2_DIR [--sizes 16K,1M,16K/1M,16K/4K/1M,64K/1M/16K/1M/1M] [--json]
//     (an entry "T/B" chunks compressible files with average T and binary ones with average B,
//     "T/D/B" database dumps with average D, "T/C/D/R/B" compressible binaries with C and
//     repetitive dumps with R; a size may be MIN-AVG-MAX, and end in @N, the normalization
//     level; the table ends with each content class's share of each setting)
//   repo-bench codecs DIR [--codecs zlib:2,zstd:3] [--json]
//     (each codec setting on the unique chunks of the tree at DIR, per top-level directory)
//   repo-bench synthetic-repo DIR [--blobs 2000000] [--snapshots 4]
//     (a repository of many small blobs, for measuring prune's memory at scale)
//   repo-bench index DIR [--lookups 1000000]
//     (the index's load time, memory per blob and lookup time)

let usage = """
    usage: repo-bench [--json] [--seconds S] [--rounds N] [--data random,text,zero] [--codecs zstd:3,zlib:2]
           repo-bench chunk-sizes V1_DIR V2_DIR [--sizes 16K,64K,256K,1M,16K/1M,16K/4K/1M] [--json]
           repo-bench codecs DIR [--codecs zlib:2,zstd:3] [--json]
           repo-bench synthetic-repo DIR [--blobs 2000000] [--snapshots 4]
           repo-bench index DIR [--lookups 1000000]
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("repo-bench: \(message)\n\(usage)\n".utf8))
    exit(2)
}

/// "64K", "1M" or a plain number of bytes.
func parseSize(_ text: Substring) -> Int? {
    let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    if let unit = text.last.flatMap({ units[Character($0.uppercased())] }) { return Int(text.dropLast()).map { $0 * unit } }
    return Int(text)
}

/// "zlib:2,zstd:3" (see `CompressionPolicy(setting:)`).
func codecSettings(_ text: String) -> [CompressionPolicy] {
    text.split(separator: ",").map {
        guard let policy = CompressionPolicy(setting: String($0)) else { fail("bad codec setting \($0)") }
        return policy
    }
}

/// The arguments not yet consumed; options are taken out as they are read.
struct Arguments {
    var remaining: [String]

    mutating func option(_ name: String) -> String? {
        guard let index = remaining.firstIndex(of: name) else { return nil }
        guard index + 1 < remaining.count else { fail("\(name) needs a value") }
        defer { remaining.removeSubrange(index...index + 1) }
        return remaining[index + 1]
    }

    /// A positive number given with `name`, or `fallback` when the option is absent.
    mutating func positive<Number: LosslessStringConvertible & Comparable & Numeric>(
        _ name: String, default fallback: Number
    ) -> Number {
        guard let text = option(name) else { return fallback }
        guard let value = Number(text), value > 0 else { fail("bad \(name) \(text)") }
        return value
    }

    mutating func flag(_ name: String) -> Bool {
        guard let index = remaining.firstIndex(of: name) else { return false }
        remaining.remove(at: index)
        return true
    }
}

var arguments = Arguments(remaining: Array(CommandLine.arguments.dropFirst()))
let json = arguments.flag("--json")
if arguments.remaining.contains("--help") || arguments.remaining.contains("-h") {
    print(usage)
    exit(0)
}

do {
    if arguments.remaining.first == "synthetic-repo" {
        let blobs = arguments.positive("--blobs", default: 2_000_000)
        let snapshots = arguments.positive("--snapshots", default: 4)
        guard arguments.remaining.count == 2 else { fail("synthetic-repo needs one directory") }
        try SyntheticRepositoryCommand.run(directory: arguments.remaining[1], blobs: blobs, snapshots: snapshots)
    } else if arguments.remaining.first == "index" {
        let lookups = arguments.positive("--lookups", default: 1_000_000)
        guard arguments.remaining.count == 2 else { fail("index needs one directory") }
        try IndexCostCommand.run(directory: arguments.remaining[1], lookups: lookups)
    } else if arguments.remaining.first == "codecs" {
        let policies = codecSettings(arguments.option("--codecs") ?? "zlib:2,\(CompressionPolicy.default.setting)")
        guard arguments.remaining.count == 2 else { fail("codecs needs one directory") }
        let rows = try CorpusCodecStudy(root: arguments.remaining[1], policies: policies).run()
        print(json ? Report.json(rows) : Report.table(rows))
    } else if arguments.remaining.first == "chunk-sizes" {
        let settings = (arguments.option("--sizes") ?? "16K,64K,256K,1M,16K/1M,16K/4K/1M").split(separator: ",").map {
            guard let setting = ChunkSizeStudy.Setting($0) else { fail("bad chunk size \($0)") }
            return setting
        }
        guard arguments.remaining.count == 3 else { fail("chunk-sizes needs two directories") }
        let rows = try ChunkSizeStudy(baseline: arguments.remaining[1], successor: arguments.remaining[2], settings: settings).run()
        print(json ? Report.json(rows) : Report.table(rows))
    } else {
        let seconds = arguments.positive("--seconds", default: 1.0)
        let rounds = arguments.positive("--rounds", default: 5)
        let kinds = try (arguments.option("--data") ?? "random,text,zero").split(separator: ",").map {
            guard let kind = DataKind(rawValue: String($0)) else { throw BenchError("unknown data kind \($0)") }
            return kind
        }
        let policies = codecSettings(arguments.option("--codecs") ?? CompressionPolicy.default.setting)
        guard arguments.remaining.isEmpty else { fail("unknown argument \(arguments.remaining[0])") }
        var benchmarks = StageBenchmarks(stopwatch: Stopwatch(seconds: seconds, rounds: rounds))
        benchmarks.policies = policies
        var results = try benchmarks.run(kinds: kinds)
        let opensslSeconds = max(1, Int(seconds.rounded()))
        let reference: [String: Double?] = [
            "sha256": OpenSSLSpeed.measure(OpenSSLSpeed.sha256, bufferSize: 1 << 20, seconds: opensslSeconds, rounds: rounds),
            "hmac-sha256": OpenSSLSpeed.measure(OpenSSLSpeed.hmacSHA256, bufferSize: 1 << 20, seconds: opensslSeconds, rounds: rounds),
            "aes-256-gcm seal": OpenSSLSpeed.measure(OpenSSLSpeed.aes256GCM, bufferSize: 1 << 20, seconds: opensslSeconds, rounds: rounds),
        ]
        for index in results.indices { results[index].openssl = reference[results[index].stage] ?? nil }
        print(json ? Report.json(results) : Report.table(results))
    }
} catch {
    FileHandle.standardError.write(Data("repo-bench: \(error)\n".utf8))
    exit(1)
}
