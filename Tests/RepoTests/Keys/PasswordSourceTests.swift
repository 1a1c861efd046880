import Foundation
@testable import Repo
import Testing

/// Which source gives the password: flags, then REPO_PASSWORD_FILE, REPO_PASSWORD_COMMAND,
/// REPO_PASSWORD, then the terminal.
@Suite struct PasswordSourceTests {
    @Test func precedence() throws {
        let environment = ["REPO_PASSWORD_FILE": "/env/file", "REPO_PASSWORD_COMMAND": "env command", "REPO_PASSWORD": "value"]
        #expect(PasswordSource(file: "/flag", command: nil, environment: environment).origin == .file("/flag"))
        #expect(PasswordSource(file: nil, command: "flag command", environment: environment).origin == .command("flag command"))
        #expect(PasswordSource(file: nil, command: nil, environment: environment).origin == .file("/env/file"))
        var rest = environment
        rest["REPO_PASSWORD_FILE"] = nil
        #expect(PasswordSource(file: nil, command: nil, environment: rest).origin == .command("env command"))
        rest["REPO_PASSWORD_COMMAND"] = nil
        #expect(PasswordSource(file: nil, command: nil, environment: rest).origin == .value(Array("value".utf8)))
        #expect(PasswordSource(file: nil, command: nil, environment: [:]).origin == .terminal)
    }

    @Test func commandGetsFirstLineWithoutSecrets() throws {
        let environment = ["PATH": "/usr/bin:/bin", "REPO_PASSWORD": "leaked", "AWS_SECRET_ACCESS_KEY": "leaked"]
        let source = PasswordSource(file: nil, command: "echo \"pw${REPO_PASSWORD}${AWS_SECRET_ACCESS_KEY}\"; echo second",
                                    environment: environment)
        #expect(try source.password() == Array("pw".utf8))
    }

    @Test func failingCommandNamesStatusAndStderrOnly() {
        let source = PasswordSource(file: nil, command: "echo hunter2; echo locked out >&2; exit 3", environment: ["PATH": "/usr/bin:/bin"])
        do {
            _ = try source.password()
            Issue.record("a failing command gave a password")
        } catch {
            let message = "\(error)"
            #expect(error is PasswordError)
            #expect(message.contains("status 3") && message.contains("locked out") && !message.contains("hunter2"), "\(message)")
        }
    }
}
