import Foundation

/// Presentation: plain text for people, JSON for machines, nothing when quiet. Everything
/// `repo` prints goes through here (but the bytes `dump` copies to standard output).
struct Output: Sendable {
    /// Before the command line is understood (help, errors): text, not quiet.
    static let plain = Output(json: false, quiet: false, verbose: false)

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

    /// Why the command failed: its text line (and usage line), or with --json its JSON object.
    func error(_ report: ErrorReport) {
        Console.error(json ? report.json : report.text)
    }

    /// A diagnostic line on stderr for --verbose (request counts), even when quiet.
    func diagnostic(_ text: String) {
        guard verbose else { return }
        Console.error(text + "\n")
    }

    /// Raw text for the self-rewriting progress line on a terminal (stderr).
    func terminal(_ text: String) {
        Console.error(text)
    }

    /// Prints one JSON message on a line (Messages/: the documented shapes).
    func emit(_ message: some Encodable) {
        guard let line = MessageEncoding.line(message) else { return }
        print(line)
    }
}
