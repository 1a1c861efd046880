import Foundation

/// Reading the small text files schedules live in (units, cron files, crontabs).
enum TextFile {
    /// The file's text; nil when it cannot be read (most often: it is not there).
    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}
