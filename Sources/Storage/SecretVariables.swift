/// The environment variables that hold repo's own secrets or an object store's
/// credentials: no command repo starts gets them (`ChildEnvironment` in Repo, the ssh of the
/// SFTP backend here). The password's file and command count too: a child has no use for
/// them, and a password command that saw its own variable could end up running itself.
public enum SecretVariables {
    static let names: Set<String> = [
        "REPO_PASSWORD", "REPO_FROM_PASSWORD", "REPO_PASSWORD_FILE", "REPO_PASSWORD_COMMAND",
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID",
    ]

    /// Whether `name` is withheld from children.
    public static func isSecret(_ name: String) -> Bool {
        names.contains(name) || name.hasPrefix("REPO_SECRET_")
    }

    /// `environment` without its secrets.
    public static func removed(from environment: [String: String]) -> [String: String] {
        environment.filter { !isSecret($0.key) }
    }
}
