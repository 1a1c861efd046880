import Foundation

/// Presentation: plain text for people, JSON for machines, nothing when quiet.
struct Output {
    let json: Bool
    let quiet: Bool
    let verbose: Bool

    /// stderr is a terminal: progress lines are worth drawing.
    var isInteractive: Bool { isatty(STDERR_FILENO) == 1 && !quiet && !json }

    func line(_ text: String) {
        guard !quiet else { return }
        print(text)
    }

    /// What the command was asked to print (a listing): printed even when quiet.
    func result(_ text: String) {
        print(text)
    }

    func detail(_ text: String) {
        guard verbose && !quiet else { return }
        print(text)
    }

    func warning(_ text: String) {
        Console.error("repo: \(text)\n")
    }

    /// Prints one JSON value on a line.
    func emit(_ object: Any) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        print(String(decoding: data, as: UTF8.self))
    }
}
