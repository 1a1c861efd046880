import Foundation

/// How much of the stored data a job's check reads, and when.
public enum ReadDataSchedule: Sendable, Equatable {
    /// A `1/7`-style rotation: each run reads the next of `parts` subsets, so every byte is
    /// read once per `parts` runs without any run reading more than its share.
    case rotating(parts: Int)
    /// All data, on a cadence (`weekly`...); `never` reads none.
    case full(Cadence)

    /// `n/m` (the rotation over m parts; n only says where a fresh job starts, which
    /// state overrides), or a cadence word.
    public init?(_ text: String) {
        if let cadence = Cadence(rawValue: text) {
            self = .full(cadence)
            return
        }
        let parts = text.split(separator: "/")
        guard parts.count == 2, let part = Int(parts[0]), let total = Int(parts[1]),
              (1...10_000).contains(total), (1...total).contains(part) else { return nil }
        self = .rotating(parts: total)
    }

    public var description: String {
        switch self {
        case .rotating(let parts): return "one part in \(parts), rotating"
        case .full(let cadence): return "all data \(cadence.rawValue)"
        }
    }
}
