import Foundation

/// Asks for a password on the controlling terminal with echo off.
enum PasswordPrompt {
    /// Reads a line from /dev/tty; without a terminal (cron, a service) there is no one to
    /// ask, and the error lists the other sources.
    static func read(_ text: String) throws -> [UInt8] {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else {
            throw PasswordError("no password: set REPO_PASSWORD_FILE, REPO_PASSWORD_COMMAND or REPO_PASSWORD, "
                                + "or use --password-file or --password-command")
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
        while Foundation.read(tty, &byte, 1) == 1 && byte != 0x0A { line.append(byte) }
        return line
    }

    /// A new password typed twice; refused when the two differ or it is empty.
    static func readNew() throws -> [UInt8] {
        let first = try read("new password: ")
        let second = try read("repeat new password: ")
        guard first == second else { throw PasswordError("the passwords do not match") }
        guard !first.isEmpty else { throw PasswordError("the password is empty") }
        return first
    }
}
