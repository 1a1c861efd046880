import Foundation

// How `--json` messages become text. The message types in this folder are the stable
// shapes docs/guide.md ("JSON output") documents: their property names are the JSON keys
// (hence snake_case); a field marked `@Nullable` (Jobs) is null when absent, a plain optional
// one is left out; every object is printed with its keys sorted, on one line.

/// A JSON value printed by `Output.emit`: keys sorted, slashes as they are.
enum MessageEncoding {
    static func line(_ message: some Encodable) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(message)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A time as messages carry it: ISO 8601 in UTC, to the second (`2026-12-07T03:00:00Z`).
    static func time(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
