import Foundation
import Testing

/// Where the password comes from: the flags, then REPO_PASSWORD_FILE, REPO_PASSWORD_COMMAND,
/// REPO_PASSWORD; a password command sees none of repo's secrets, and its failure is
/// explained without its output.
@Suite struct PasswordSourceTests {
    @Test func environmentFileAndCommandInOrder() throws {
        let workspace = try Workspace("password-sources")
        defer { workspace.remove() }
        try workspace.initRepository()
        let right = workspace.password, wrong = "not-the-password-e2e"
        let rightFile = workspace.path("right"), wrongFile = workspace.path("wrong")
        try FS.writeFile(Array(rightFile.utf8), Array((right + "\n").utf8))
        try FS.writeFile(Array(wrongFile.utf8), Array((wrong + "\n").utf8))

        let fromFile = try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD": wrong, "REPO_PASSWORD_FILE": rightFile])
        #expect(fromFile.status == 0, "REPO_PASSWORD_FILE comes before REPO_PASSWORD: \(fromFile)")
        let fromCommand = try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD": wrong, "REPO_PASSWORD_COMMAND": "cat \(rightFile)"])
        #expect(fromCommand.status == 0, "REPO_PASSWORD_COMMAND comes before REPO_PASSWORD: \(fromCommand)")
        let fileBeforeCommand = try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD_FILE": rightFile,
                                                                               "REPO_PASSWORD_COMMAND": "cat \(wrongFile)"])
        #expect(fileBeforeCommand.status == 0, "REPO_PASSWORD_FILE comes before REPO_PASSWORD_COMMAND: \(fileBeforeCommand)")
        let flagFirst = try workspace.repo(["snapshots", "--password-command", "cat \(rightFile)"],
                                           environment: ["REPO_PASSWORD_FILE": wrongFile])
        #expect(flagFirst.status == 0, "the flags come before the environment: \(flagFirst)")
        let wrongFromEnvironment = try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD_FILE": wrongFile])
        #expect(wrongFromEnvironment.status == 12, "\(wrongFromEnvironment)")

        let both = try workspace.repo("snapshots", "--password-file", rightFile, "--password-command", "cat \(rightFile)")
        #expect(both.status == 2, "two password flags are a usage error: \(both)")
        #expect(both.err.contains("--password-file") && both.err.contains("--password-command"), "\(both)")

        let missing = try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD_FILE": workspace.path("nonexistent")])
        #expect(missing.status == 12, "\(missing)")
        #expect(missing.stderrLines.count == 1 && missing.err.contains(workspace.path("nonexistent")), "names the file: \(missing)")
    }

    @Test func failingCommandShowsStatusAndStderrNotOutput() throws {
        let workspace = try Workspace("password-command-fails")
        defer { workspace.remove() }
        try workspace.initRepository()
        let failing = try workspace.repo("snapshots", "--password-command",
                                         "echo \(workspace.password); echo vault is sealed >&2; exit 7")
        #expect(failing.status == 12, "\(failing)")
        #expect(failing.stderrLines.count == 1, "one line: \(failing)")
        #expect(failing.err.contains("status 7") && failing.err.contains("vault is sealed"), "status and stderr tail: \(failing)")
        #expect(!failing.combined.contains(workspace.password), "the command's output is never shown: \(failing)")
    }

    /// Item 5: a password command's environment holds none of repo's secrets.
    @Test func passwordCommandSeesNoSecrets() throws {
        let workspace = try Workspace("password-command-env")
        defer { workspace.remove() }
        try workspace.initRepository()
        let secrets = SecretEnvironment()
        let envFile = workspace.path("env.txt")
        let run = try workspace.repo(["snapshots", "--password-command", "env > \(envFile); echo \(workspace.password)"],
                                    environment: secrets.variables)
        #expect(run.status == 0, "\(run)")
        let seen = String(decoding: try FS.readFile(Array(envFile.utf8)), as: UTF8.self)
        #expect(seen.contains("PATH="), "the command got an environment: \(seen)")
        let leaks = secrets.leaks(in: seen, password: workspace.password)
        #expect(leaks.isEmpty, "the password command saw \(leaks)")
    }
}

/// The secrets `repo` may be given, with values easy to find in whatever a child wrote.
struct SecretEnvironment {
    let variables: [String: String?] = [
        "AWS_SECRET_ACCESS_KEY": "e2e-secret-access-key-5d1c",
        "AWS_ACCESS_KEY_ID": "E2EACCESSKEYID7731",
        "AWS_SESSION_TOKEN": "e2e-session-token-90aa",
    ]

    /// The secrets' names (REPO_PASSWORD's too) and values that occur in `text`.
    func leaks(in text: String, password: String) -> [String] {
        let names = ["REPO_PASSWORD"] + variables.keys
        let values = variables.values.compactMap { $0 } + [password]
        return (names + values).filter { text.contains($0) }
    }
}
