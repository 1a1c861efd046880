import Repo

enum KeyCommand {
    static let spec = CommandSpec(
        "key", summary: "manage the passwords that open the repository", usage: "add | list | remove ID | passwd",
        subcommands: [
            CommandSpec("add", summary: "add a password (asked twice, or from --new-password-file)",
                        options: [OptionSpec("new-password-file", value: "FILE", "read the new password from FILE")]),
            CommandSpec("list", summary: "list keys"),
            CommandSpec("remove", summary: "remove a key (not the one in use, not the last)", usage: "ID", positionals: 1...1),
            CommandSpec("passwd", summary: "change the password in use",
                        options: [OptionSpec("new-password-file", value: "FILE", "read the new password from FILE")]),
        ])

    static func run(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository(loadIndex: false)
        // The new password comes from its own file or the terminal, never from the sources
        // of the current one.
        func newPassword() throws -> [UInt8] {
            guard let file = context.arguments.value("new-password-file") else { return try PasswordSource.askNew() }
            return try PasswordSource(file: file, command: nil).newPassword()
        }
        switch context.arguments.command.last {
        case "add":
            let id = try repository.addKey(password: try newPassword())
            context.output.line("added key \(id.prefix(8))")
        case "list":
            let keys = try repository.listKeys()
            if context.output.json {
                context.output.emit(keys.map(KeyEntry.init))
            } else {
                for key in keys {
                    context.output.line("\(key.isCurrent ? "*" : " ") \(key.id.prefix(8))  \(Format.time(key.created))  \(key.user)@\(key.host)")
                }
            }
        case "remove":
            let id = try repository.removeKey(context.arguments.positionals[0])
            context.output.line("removed key \(id.prefix(8))")
        case "passwd":
            let id = try repository.changePassword(to: try newPassword())
            context.output.line("password changed (key \(id.prefix(8)))")
        default:
            throw UsageError("unknown key command")
        }
        return .success
    }
}
