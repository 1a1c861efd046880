import Repo

enum KeyCommand {
    static let spec = CommandSpec(
        "key", summary: "manage the passwords that open the repository, and its pack key generations",
        usage: "add | list | remove ID | passwd | rotate",
        subcommands: [
            CommandSpec("add", summary: "add a password (asked twice, or from --new-password-file)",
                        options: [OptionSpec("new-password-file", value: "FILE", "read the new password from FILE")]),
            CommandSpec("list", summary: "list keys, and the pack key generations once the repository has been rotated",
                        options: [OptionSpec("generations", "list the pack key generations only (with --json: their array)")]),
            CommandSpec("remove", summary: "remove a key (not the one in use, not the last)", usage: "ID", positionals: 1...1),
            CommandSpec("passwd", summary: "change the password in use",
                        options: [OptionSpec("new-password-file", value: "FILE", "read the new password from FILE")]),
            CommandSpec("rotate", summary: "make a new pack key generation for new packs; old packs stay readable",
                        details: """
                            Every password keeps working. Packs written from now on are sealed under the new generation;
                            `repo prune --reseal` moves the blobs of older packs into packs of the newest generation.
                            Takes the exclusive lock. Repositories rotated once are format version 2: older repo versions
                            refuse them (exit code 14).
                            """),
        ])

    static func run(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository(loadIndex: false)
        // The new password comes from its own file or the terminal, never from the sources
        // of the current one.
        func newPassword() throws -> [UInt8] {
            guard let file = context.arguments.value("new-password-file") else { return try PasswordSource.askNew() }
            return try PasswordSource(file: file, command: nil).newPassword()
        }
        // Removing takes the exclusive lock and lists the keys again under it, so two
        // removals cannot each take the other's key. Adding and changing a password take a
        // shared lock: they never leave fewer working keys (passwd writes the new key before
        // it deletes the old one), so they may run beside snapshots and each other, but not
        // while a removal (or a prune) holds the repository.
        func locked<T>(exclusive: Bool, _ operation: String, _ body: () throws -> T) throws -> T {
            let lock = try context.lock(repository, exclusive: exclusive, operation: operation)
            defer { lock.release() }
            return try body()
        }
        switch context.arguments.command.last {
        case "add":
            let password = try newPassword()
            let id = try locked(exclusive: false, "key add") { try repository.addKey(password: password) }
            context.output.line("added key \(id.prefix(8))")
        case "list":
            let onlyGenerations = context.arguments.has("generations")
            if !onlyGenerations {
                let keys = try repository.listKeys()
                if context.output.json {
                    context.output.emit(keys.map(KeyEntry.init))
                } else {
                    for key in keys {
                        context.output.line("\(key.isCurrent ? "*" : " ") \(key.id.prefix(8))  \(Format.time(key.created))  \(key.user)@\(key.host)")
                    }
                }
            }
            // The keys' listing stays what it always was until there is more than generation 0.
            guard onlyGenerations || (repository.hasKeyGenerations && !context.output.json) else { break }
            try repository.loadIndex()
            let generations = repository.listKeyGenerations()
            if context.output.json {
                context.output.emit(generations.map(KeyGenerationEntry.init))
            } else {
                if !onlyGenerations { context.output.line("pack key generations:") }
                for generation in generations {
                    let created = generation.created.map(Format.time) ?? "(the master secret)"
                    context.output.line("\(generation.isCurrent ? "*" : " ") \(generation.number)  \(created)  "
                                        + "\(generation.packs) packs, \(Format.bytes(generation.bytes))")
                }
            }
        case "remove":
            let id = try locked(exclusive: true, "key remove") { try repository.removeKey(context.arguments.positionals[0]) }
            context.output.line("removed key \(id.prefix(8))")
        case "passwd":
            let password = try newPassword()
            let id = try locked(exclusive: false, "key passwd") { try repository.changePassword(to: password) }
            context.output.line("password changed (key \(id.prefix(8)))")
        case "rotate":
            // Exclusive: the generations listed under the lock are all there are, so two
            // rotations cannot both take the same number.
            let number = try locked(exclusive: true, "key rotate") { try repository.rotatePackKey() }
            context.output.line("new pack key generation \(number): new packs are sealed under it; `repo prune --reseal` reseals older ones")
        default:
            throw UsageError("unknown key command")
        }
        return .success
    }
}
