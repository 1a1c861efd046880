import Crypto
import Foundation
import Repo
import Workers

// The `repo` executable: parses the command line, runs the command, and turns every error
// into one line on stderr (with --json, one JSON object: ErrorReport.swift) and a
// documented exit code (ExitCode.swift).

// Before anything touches OpenSSL: its exit handler races worker threads still exiting.
OpenSSLLifetime.skipCleanupAtExit()
signal(SIGPIPE, SIG_IGN)
// The first Ctrl-C or SIGTERM stops work at its next safe point and the command says what
// it saved (exit 130 or 143); a second one ends the process at once.
let signalTrap = SignalTrap(notice: "repo: stopping at the next safe point (signal again to stop at once)\n")
MemoryTuning.apply()

let arguments = Array(CommandLine.arguments.dropFirst())
let code: ExitCode
/// --json as parsed; nil until the command line is (then a plain look for `--json`).
var parsedJSON: Bool?
do {
    let (spec, parsed) = try ArgumentParser.parse(arguments, commands: Commands.all)
    parsedJSON = parsed.has("json")
    if let spec {
        if parsed.has("help") {
            Output.plain.result(Help.command(spec, path: parsed.command))
            code = .success
        } else {
            let context = try CommandContext(parsed)
            defer {
                for line in context.opened.requestSummaries { context.output.diagnostic("requests: \(line)") }
                if let limits = context.bandwidthSummary { context.output.diagnostic("bandwidth: \(limits)") }
            }
            code = try Commands.run(parsed, context: context)
        }
    } else {
        Output.plain.result(Help.overview(Commands.all))
        code = parsed.has("help") || arguments.isEmpty ? .success : .usage
    }
} catch {
    code = ExitCode.of(error)
    var report = ErrorReport(message: "\(error)", code: code)
    if error is UsageError, let (spec, path) = Commands.spec(for: arguments) { report.usage = Help.usageLine(spec, path: path) }
    Output(json: parsedJSON ?? ErrorReport.asksForJSON(arguments), quiet: false, verbose: false).error(report)
}
Console.flushOutput()
exit(code.rawValue)
