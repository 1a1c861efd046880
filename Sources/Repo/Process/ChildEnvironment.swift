import Foundation

/// The environment of every command `repo` starts (database dumps, password commands,
/// `--stdin-from-command`, hooks): this process's own, less the secrets `repo` was given.
/// A dump tool needs PATH, HOME, LANG and its own PG*/MYSQL_* settings; it never needs the
/// repository password or the object store's keys, and a `-- env` once stored them in a
/// snapshot.
public enum ChildEnvironment {
    /// Variables that hold repo's own secrets or the object store's credentials. The
    /// password's file and command count too: a child has no use for them, and a password
    /// command that saw its own variable could end up running itself.
    static let secretNames: Set<String> = [
        "REPO_PASSWORD", "REPO_FROM_PASSWORD", "REPO_PASSWORD_FILE", "REPO_PASSWORD_COMMAND",
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID",
    ]

    /// Whether `name` is withheld from children.
    public static func isSecret(_ name: String) -> Bool {
        secretNames.contains(name) || name.hasPrefix("REPO_SECRET_")
    }

    /// `base` without secrets, plus `adding` (which may name no secret either).
    public static func forChildren(of base: [String: String] = ProcessInfo.processInfo.environment,
                                   adding: [String: String] = [:]) -> [String: String] {
        var environment = base.filter { !isSecret($0.key) }
        for (name, value) in adding where !isSecret(name) { environment[name] = value }
        return environment
    }
}
