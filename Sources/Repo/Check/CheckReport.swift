/// What `check` found.
public struct CheckReport: Sendable {
    /// Damage: each names the objects it concerns. Any of these makes `check` fail.
    public var problems: [String] = []
    /// Harmless findings, e.g. packs no index lists (left by an interrupted snapshot; prune removes them).
    public var notes: [String] = []
    public var snapshots = 0
    public var trees = 0
    public var blobs = 0
    public var packs = 0
    /// WAL records (archived PostgreSQL files) that open.
    public var walFiles = 0
    public var packsRead = 0
    public var bytesRead: UInt64 = 0
    /// Packs archived in a cold tier (S3 GLACIER, DEEP_ARCHIVE) and not thawed: their
    /// headers and data were not read (not damage), and their bytes.
    public var archivedPacks = 0
    public var archivedBytes: UInt64 = 0

    public var isClean: Bool { problems.isEmpty }
}

/// Which packs `check --read-data-subset` reads.
public enum ReadDataSubset: Sendable, Equatable {
    case all
    /// Part `n` of `m` (1-based): packs whose id falls in that bucket, so running 1/m ... m/m
    /// over m nights reads everything once.
    case part(Int, of: Int)
    /// A random fraction of the packs.
    case fraction(Double)

    /// Parses `1/5` or `10%`.
    public init?(_ text: String) {
        if text.hasSuffix("%"), let percent = Double(text.dropLast()), percent > 0, percent <= 100 {
            self = .fraction(percent / 100)
            return
        }
        let parts = text.split(separator: "/")
        guard parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]), m >= 1, (1...m).contains(n) else { return nil }
        self = .part(n, of: m)
    }

    func includes(packID: String) -> Bool {
        switch self {
        case .all: return true
        case .part(let n, let m):
            let bucket = UInt64(packID.prefix(15), radix: 16) ?? 0
            return Int(bucket % UInt64(m)) == n - 1
        case .fraction(let fraction): return Double.random(in: 0..<1) < fraction
        }
    }
}
