import Foundation
import Posix

/// Asks for a password on the controlling terminal with echo off.
enum PasswordPrompt {
    /// Reads a line from /dev/tty; without a terminal (cron, a service) there is no one to
    /// ask, and the error lists the other sources.
    static func read(_ text: String) throws -> [UInt8] {
        guard let terminal = try? FileDescriptor.open("/dev/tty", flags: O_RDWR) else {
            throw PasswordError("no password: set REPO_PASSWORD_FILE, REPO_PASSWORD_COMMAND or REPO_PASSWORD, "
                                + "or use --password-file or --password-command")
        }
        defer { try? terminal.close() }
        let tty = terminal.rawValue
        try? Array(text.utf8).withUnsafeBytes { try terminal.writeAll($0) }
        var saved = termios()
        let hasTerminal = tcgetattr(tty, &saved) == 0
        if hasTerminal {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(tty, TCSAFLUSH, &silent)
        }
        defer {
            if hasTerminal { tcsetattr(tty, TCSAFLUSH, &saved) }
            try? [UInt8(ascii: "\n")].withUnsafeBytes { try terminal.writeAll($0) }
        }
        var line = [UInt8]()
        var byte: UInt8 = 0
        while (try? withUnsafeMutableBytes(of: &byte) { try terminal.read(into: $0) }) == 1 && byte != 0x0A {
            line.append(byte)
        }
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
