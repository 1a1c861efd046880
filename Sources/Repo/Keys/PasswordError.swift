/// No usable password: none given, a password file or command failed, or a new password
/// was refused. Its message names the source and never holds the password.
public struct PasswordError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
