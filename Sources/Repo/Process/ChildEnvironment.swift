import Foundation
import Storage

/// The environment of every command `repo` starts (database dumps, password commands,
/// `--stdin-from-command`, hooks): this process's own, less the secrets `repo` was given.
/// A dump tool needs PATH, HOME, LANG and its own PG*/MYSQL_* settings; it never needs the
/// repository password or the object store's keys, and a `-- env` once stored them in a
/// snapshot.
public enum ChildEnvironment {
    /// Whether `name` is withheld from children (the rule lives in Storage, whose SFTP
    /// backend starts ssh).
    public static func isSecret(_ name: String) -> Bool {
        SecretVariables.isSecret(name)
    }

    /// `base` without secrets, plus `adding` (which may name no secret either).
    public static func forChildren(of base: [String: String] = ProcessInfo.processInfo.environment,
                                   adding: [String: String] = [:]) -> [String: String] {
        var environment = base.filter { !isSecret($0.key) }
        for (name, value) in adding where !isSecret(name) { environment[name] = value }
        return environment
    }
}
