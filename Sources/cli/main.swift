import Foundation
import Repo

// The `repo` executable: parses the command line, runs the command, and turns every error
// into one line on stderr and a documented exit code (ExitCode.swift).

signal(SIGPIPE, SIG_IGN)
MemoryTuning.apply()

let arguments = Array(CommandLine.arguments.dropFirst())
let code: ExitCode
do {
    let (spec, parsed) = try ArgumentParser.parse(arguments, commands: Commands.all)
    if let spec {
        if parsed.has("help") {
            print(Help.command(spec, path: parsed.command))
            code = .success
        } else {
            let context = try CommandContext(parsed)
            defer {
                if context.output.verbose { for line in context.opened.requestSummaries { Console.error("requests: \(line)\n") } }
            }
            code = try Commands.run(parsed, context: context)
        }
    } else {
        print(Help.overview(Commands.all))
        code = parsed.has("help") || arguments.isEmpty ? .success : .usage
    }
} catch let error as UsageError {
    Console.error("repo: \(error)\n")
    if let (spec, path) = Commands.spec(for: arguments) { Console.error(Help.usageLine(spec, path: path) + "\n") }
    code = .usage
} catch {
    Console.error("repo: \(error)\n")
    code = ExitCode.of(error)
}
Console.flushOutput()
exit(code.rawValue)
