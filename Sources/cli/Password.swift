import Foundation

/// Where the password comes from, in order: `--password-file`, `--password-command`,
/// `REPO_PASSWORD`, then a prompt on the terminal without echo. Never printed.
struct PasswordSource {
    let file: String?
    let command: String?

    func password(prompt: String = "repository password: ") throws -> [UInt8] {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw PasswordError("cannot read password file \(file)")
            }
            return firstLine(Array(data))
        }
        if let command {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            let output = Pipe()
            process.standardOutput = output
            do { try process.run() } catch { throw PasswordError("cannot run password command") }
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw PasswordError("password command failed (exit status \(process.terminationStatus))")
            }
            return firstLine(Array(data))
        }
        if let value = ProcessInfo.processInfo.environment["REPO_PASSWORD"] { return Array(value.utf8) }
        return try Self.prompt(prompt)
    }

    /// A new password, asked twice on the terminal unless it comes from a file, command or
    /// the environment.
    func newPassword() throws -> [UInt8] {
        if file != nil || command != nil || ProcessInfo.processInfo.environment["REPO_PASSWORD"] != nil {
            let password = try password()
            guard !password.isEmpty else { throw PasswordError("the password is empty") }
            return password
        }
        let first = try Self.prompt("new password: ")
        let second = try Self.prompt("repeat new password: ")
        guard first == second else { throw PasswordError("the passwords do not match") }
        guard !first.isEmpty else { throw PasswordError("the password is empty") }
        return first
    }

    /// A new password from the terminal, asked twice (for `key add` and `key passwd`, where
    /// REPO_PASSWORD and the password options give the current one).
    static func askNew() throws -> [UInt8] {
        let first = try prompt("new password: ")
        let second = try prompt("repeat new password: ")
        guard first == second else { throw PasswordError("the passwords do not match") }
        guard !first.isEmpty else { throw PasswordError("the password is empty") }
        return first
    }

    private func firstLine(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.prefix { $0 != 0x0A && $0 != 0x0D })
    }

    /// Reads a line from /dev/tty with echo off.
    static func prompt(_ text: String) throws -> [UInt8] {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else {
            throw PasswordError("no password: set REPO_PASSWORD, or use --password-file or --password-command")
        }
        defer { close(tty) }
        _ = text.withCString { write(tty, $0, strlen($0)) }
        var saved = termios()
        let hasTerminal = tcgetattr(tty, &saved) == 0
        if hasTerminal {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(tty, TCSAFLUSH, &silent)
        }
        defer {
            if hasTerminal { tcsetattr(tty, TCSAFLUSH, &saved) }
            _ = write(tty, "\n", 1)
        }
        var line = [UInt8]()
        var byte: UInt8 = 0
        while read(tty, &byte, 1) == 1 && byte != 0x0A { line.append(byte) }
        return line
    }
}

struct PasswordError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
