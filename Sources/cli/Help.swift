/// Renders help: the command list, or one command's usage with every option.
enum Help {
    static func overview(_ commands: [CommandSpec]) -> String {
        var lines = ["repo: content-addressed, deduplicating, encrypted backups", "",
                     "usage: repo [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGUMENTS]", "", "commands:"]
        for command in commands {
            lines.append("  " + command.name.padding(toLength: 12, withPad: " ", startingAt: 0) + command.summary)
        }
        lines.append("")
        lines.append("global options:")
        lines.append(contentsOf: render(globalOptions))
        lines.append("")
        lines.append("`repo COMMAND --help` describes a command. Exit codes: see README.md.")
        return lines.joined(separator: "\n")
    }

    static func command(_ spec: CommandSpec, path: [String]) -> String {
        var lines = ["usage: repo \(path.joined(separator: " ")) \(spec.usage)", "", spec.summary]
        if !spec.details.isEmpty {
            lines.append("")
            lines.append(spec.details)
        }
        if !spec.subcommands.isEmpty {
            lines.append("")
            lines.append("subcommands:")
            for sub in spec.subcommands {
                lines.append("  " + sub.name.padding(toLength: 12, withPad: " ", startingAt: 0) + sub.summary)
            }
        }
        if !spec.options.isEmpty {
            lines.append("")
            lines.append("options:")
            lines.append(contentsOf: render(spec.options))
        }
        lines.append("")
        lines.append("global options: --repo, --password-file, --password-command, --lock-wait, --retry-budget, --no-lock, --limit-upload, --limit-download, --cache-dir, --no-cache, --json, --quiet, --verbose")
        return lines.joined(separator: "\n")
    }

    static func usageLine(_ spec: CommandSpec, path: [String]) -> String {
        "usage: repo \(path.joined(separator: " ")) \(spec.usage)   (repo \(path.joined(separator: " ")) --help for more)"
    }

    /// The narrowest the option column gets: help text starts after it.
    static let optionColumn = 34

    /// One line per option, the help aligned after the widest name with two spaces at least
    /// (`--keep-within-monthly DURATION` once ran into its text).
    private static func render(_ options: [OptionSpec]) -> [String] {
        let names = options.map { option in
            (option.short.map { "-\($0), " } ?? "    ") + "--\(option.long)" + (option.value.map { " \($0)" } ?? "")
        }
        let column = max(optionColumn, (names.map(\.count).max() ?? 0) + 2)
        return zip(names, options).map { name, option in "  " + name.padding(toLength: column, withPad: " ", startingAt: 0) + option.help }
    }
}
