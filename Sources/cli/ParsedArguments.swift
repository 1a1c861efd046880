/// The result of parsing: which options were given with which values, and the positional
/// arguments in order.
struct ParsedArguments: Sendable {
    var command: [String] = []
    var flags: Set<String> = []
    var values: [String: [String]] = [:]
    var positionals: [String] = []
    /// The positionals after `--` (also in `positionals`), or nil when there was no `--`:
    /// `--stdin-from-command` takes its command from here and nothing else.
    var afterDashDash: [String]?

    func has(_ flag: String) -> Bool { flags.contains(flag) }
    func value(_ option: String) -> String? { values[option]?.last }
    func all(_ option: String) -> [String] { values[option] ?? [] }

    /// An integer option, or a usage error naming the option.
    func integer(_ option: String, in range: ClosedRange<Int> = 0...Int.max) throws -> Int? {
        guard let text = value(option) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("--\(option) needs a whole number\(range.upperBound == Int.max ? " from \(range.lowerBound)" : " from \(range.lowerBound) to \(range.upperBound)"), not \(text.debugDescription)")
        }
        return number
    }
}

/// A mistake in the command line: reported with the command's usage, exit code 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Parses `arguments` against the command table: the first words select the command (and
/// subcommand); options may come anywhere; `--` ends options.
enum ArgumentParser {
    static func parse(_ arguments: [String], commands: [CommandSpec]) throws -> (CommandSpec?, ParsedArguments) {
        var parsed = ParsedArguments()
        var spec: CommandSpec?
        var index = 0
        var optionsEnded = false

        func options() -> [OptionSpec] { globalOptions + (spec?.options ?? []) }

        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if !optionsEnded && argument == "--" {
                optionsEnded = true
                parsed.afterDashDash = []
                continue
            }
            if !optionsEnded && argument.hasPrefix("-") && argument != "-" {
                let (option, inlineValue) = try resolve(argument, among: options(), command: spec == nil ? nil : parsed.command)
                if option.value == nil {
                    guard inlineValue == nil else { throw UsageError("--\(option.long) takes no value") }
                    parsed.flags.insert(option.long)
                } else {
                    let value: String
                    if let inlineValue {
                        value = inlineValue
                    } else {
                        guard index < arguments.count else { throw UsageError("--\(option.long) needs a value (\(option.value!))") }
                        value = arguments[index]
                        index += 1
                    }
                    if !option.repeatable && parsed.values[option.long] != nil {
                        throw UsageError("--\(option.long) given twice")
                    }
                    parsed.values[option.long, default: []].append(value)
                }
                continue
            }
            // Words select the command and subcommand until one takes positionals.
            if spec == nil {
                guard let found = commands.first(where: { $0.name == argument }) else {
                    throw UsageError("unknown command \(argument.debugDescription): see `repo --help`")
                }
                spec = found
                parsed.command = [argument]
            } else if let current = spec, !current.subcommands.isEmpty, parsed.positionals.isEmpty {
                guard let found = current.subcommands.first(where: { $0.name == argument }) else {
                    throw UsageError("unknown command \(parsed.command.joined(separator: " ")) \(argument): see `repo \(current.name) --help`")
                }
                spec = found
                parsed.command.append(argument)
            } else {
                parsed.positionals.append(argument)
                if optionsEnded { parsed.afterDashDash?.append(argument) }
            }
        }
        if let spec, !parsed.has("help") {
            if !spec.subcommands.isEmpty {
                throw UsageError("\(parsed.command.joined(separator: " ")) needs a subcommand: \(spec.subcommands.map(\.name).joined(separator: ", "))")
            }
            if !spec.positionals.contains(parsed.positionals.count) {
                if parsed.positionals.count < spec.positionals.lowerBound {
                    throw UsageError("missing argument: usage: repo \(parsed.command.joined(separator: " ")) \(spec.usage)")
                }
                throw UsageError("unexpected argument \(parsed.positionals[spec.positionals.upperBound].debugDescription)")
            }
        }
        return (spec, parsed)
    }

    /// `command`: the command words so far (`policy show`), named in the error.
    private static func resolve(_ argument: String, among options: [OptionSpec], command: [String]?) throws -> (OptionSpec, String?) {
        let place = command.map { " for `repo \($0.joined(separator: " "))`" } ?? ""
        if argument.hasPrefix("--") {
            let body = argument.dropFirst(2)
            let name = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            let inline = body.contains("=") ? String(body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[1]) : nil
            guard let option = options.first(where: { $0.long == name }) else {
                throw UsageError("unknown option --\(name)\(place)")
            }
            return (option, inline)
        }
        let letters = Array(argument.dropFirst())
        guard letters.count == 1, let option = options.first(where: { $0.short == letters[0] }) else {
            throw UsageError("unknown option \(argument)\(place)")
        }
        return (option, nil)
    }
}
