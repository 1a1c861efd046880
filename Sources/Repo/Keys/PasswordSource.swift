import Foundation

/// Where the repository password comes from, first match wins: the `file` and `command`
/// given on the command line, then REPO_PASSWORD_FILE, REPO_PASSWORD_COMMAND and
/// REPO_PASSWORD in `environment`, then a prompt on the terminal. The password is never
/// printed, and a password command's output never appears in an error.
public struct PasswordSource: Sendable {
    /// Where the password is read, once the flags and the environment are weighed.
    enum Origin: Equatable {
        case file(String)
        case command(String)
        case value([UInt8])
        case terminal
    }

    let origin: Origin
    /// The environment a password command starts from (less the secrets).
    private let environment: [String: String]

    /// `file` and `command` are the command line's; at most one should be given (the
    /// caller reports both as a usage error; here the file would win).
    public init(file: String?, command: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        if let file {
            origin = .file(file)
        } else if let command {
            origin = .command(command)
        } else if let file = environment["REPO_PASSWORD_FILE"], !file.isEmpty {
            origin = .file(file)
        } else if let command = environment["REPO_PASSWORD_COMMAND"], !command.isEmpty {
            origin = .command(command)
        } else if let value = environment["REPO_PASSWORD"] {
            origin = .value(Array(value.utf8))
        } else {
            origin = .terminal
        }
    }

    /// The option that lets another process (a restore_command) get the password the same
    /// way, never the password itself: `--password-file PATH` or `--password-command CMD`;
    /// nil when the password came from REPO_PASSWORD or a prompt, which cannot be passed on.
    public var reference: (option: String, value: String)? {
        switch origin {
        case .file(let path):
            return ("--password-file", path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
        case .command(let command): return ("--password-command", command)
        case .value, .terminal: return nil
        }
    }

    /// The password; `prompt` is shown only when it is asked on the terminal.
    public func password(prompt: String = "repository password: ") throws -> [UInt8] {
        switch origin {
        case .file(let path): return try Self.readFile(path)
        case .command(let command): return try runCommand(command)
        case .value(let bytes): return bytes
        case .terminal: return try PasswordPrompt.read(prompt)
        }
    }

    /// A password for a new repository: asked twice on the terminal, or taken from the
    /// first source given; never empty.
    public func newPassword() throws -> [UInt8] {
        guard origin != .terminal else { return try PasswordPrompt.readNew() }
        let password = try password()
        guard !password.isEmpty else { throw PasswordError("the password is empty") }
        return password
    }

    /// A new password from the terminal, asked twice (for `key add` and `key passwd`, where
    /// the other sources give the current password).
    public static func askNew() throws -> [UInt8] { try PasswordPrompt.readNew() }

    private static func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = access(path, F_OK) == 0 ? "it is not readable" : "it does not exist"
            throw PasswordError("cannot read password file \(path): \(reason)")
        }
        return firstLine(Array(data))
    }

    /// Runs `command` with `sh -c`, without repo's secrets in its environment; its error
    /// names the exit status and what it wrote to stderr, never its output.
    private func runCommand(_ command: String) throws -> [UInt8] {
        let result: (output: [UInt8], exit: ChildProcess.Exit)
        do {
            result = try ChildProcess.run(["/bin/sh", "-c", command], environment: ChildEnvironment.forChildren(of: environment))
        } catch {
            throw PasswordError("cannot run the password command: \(error)")
        }
        guard result.exit.succeeded else { throw PasswordError("the password command \(result.exit)") }
        return Self.firstLine(result.output)
    }

    private static func firstLine(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.prefix { $0 != 0x0A && $0 != 0x0D })
    }
}
