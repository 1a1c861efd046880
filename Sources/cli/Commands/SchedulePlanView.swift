import Jobs

/// A schedule plan's actions as lines (`would write …` with the file's whole contents for a
/// dry run, `wrote …` after); as JSON they are `ScheduleActionMessage`s.
enum SchedulePlanView {
    static func describe(_ action: ScheduleAction, done: Bool) -> String {
        switch action {
        case .write(let path, let contents, let mode):
            return done ? "wrote \(path)" : "would write \(path) (mode \(octal(mode))):\n" + indented(contents)
        case .remove(let path): return (done ? "removed " : "would remove ") + path
        case .makeDirectory(let path): return (done ? "created directory " : "would create directory ") + path
        case .run(let command, let skipped):
            let text = command.joined(separator: " ")
            if let skipped { return "\(done ? "not run" : "would not run") (\(skipped)): \(text)" }
            return (done ? "ran: " : "would run: ") + text
        case .replaceCrontab(let contents):
            return done ? "replaced the crontab (crontab -)" : "would replace the crontab (crontab -) with:\n" + indented(contents)
        }
    }

    static func octal(_ mode: Int) -> String { "0" + String(mode, radix: 8) }

    private static func indented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0)
            .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
    }
}
