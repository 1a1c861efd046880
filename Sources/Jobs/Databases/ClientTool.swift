import Foundation
import Repo

/// Running an engine's client tools for short queries, and naming them in errors.
enum ClientTool {
    /// Runs `command` and returns its standard output as text; a tool that cannot start or
    /// exits non-zero becomes `failure(detail)`.
    static func output(_ command: [String], environment: [String: String],
                       failure: (String) -> DatabaseError) throws -> String {
        let result: (output: [UInt8], exit: ChildProcess.Exit)
        do {
            result = try ChildProcess.run(command, environment: environment)
        } catch {
            throw failure(describe(error))
        }
        guard result.exit.succeeded else { throw failure(failed(command, result.exit)) }
        return String(decoding: result.output, as: UTF8.self)
    }

    /// The first field of the first line of a client's unaligned output ("" for none).
    static func firstField(_ output: String, separator: Character) -> String {
        let line = output.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(line.split(separator: separator, maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// How `command` failed in one line: its exit, and its stderr from the last line that
    /// names an error (an SQL error quotes the statement over several lines; the last lines
    /// alone would show only the statement's end).
    static func failed(_ command: [String], _ exit: ChildProcess.Exit) -> String {
        let lines = exit.stderrTail.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let start = lines.lastIndex(where: { $0.contains("ERROR") || $0.contains("error:") || $0.contains("FATAL") }) else {
            return "\(name(command)) \(exit)"
        }
        let reason = exit.status > 128 ? "was killed by signal \(exit.status - 128)" : "exited with status \(exit.status)"
        let detail = lines[start...].prefix(3).joined(separator: " | ")
        return "\(name(command)) \(reason): \(detail.count > 400 ? detail.prefix(400) + "…" : detail)"
    }

    /// The program's name without its directory, for error lines.
    static func name(_ command: [String]) -> String {
        String((command.first ?? "").split(separator: "/").last ?? "")
    }

    /// A start failure in one line, with what to install when a tool is missing.
    static func describe(_ error: Error) -> String {
        guard case ChildProcessError.notStarted(let command, let reason) = error else { return "\(error)" }
        let package: String
        switch command {
        case "pg_dump", "psql": package = " (install the PostgreSQL client tools, e.g. postgresql-client)"
        case "mariadb-dump", "mysqldump", "mariadb", "mysql": package = " (install the MariaDB or MySQL client, e.g. mariadb-client)"
        default: package = ""
        }
        return "cannot run \(command): \(reason)\(package)"
    }
}
