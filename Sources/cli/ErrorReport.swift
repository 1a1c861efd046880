import Foundation

/// How a command that failed says so on stderr: one line, "repo: …" (with the command's
/// usage line after a usage error), or with --json one JSON object,
/// `{"message_type":"error","error":"…","exit_code":N}`, and nothing else.
struct ErrorReport {
    let message: String
    let code: ExitCode
    /// The usage line shown after a usage error in text.
    var usage: String?

    /// Whether a command line that could not be parsed asked for JSON: `--json` before any `--`.
    static func asksForJSON(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains("--json")
    }

    /// The text: one line, then the usage line if there is one.
    var text: String {
        "repo: \(message)\n" + (usage.map { $0 + "\n" } ?? "")
    }

    /// The JSON object on one line, its keys in the documented order.
    var json: String {
        // Built by hand: an encoder would sort the keys (or order them at random).
        let error = MessageEncoding.line(message) ?? "\"\""
        return "{\"message_type\":\"error\",\"error\":\(error),\"exit_code\":\(code.rawValue)}\n"
    }
}
