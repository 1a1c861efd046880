import Foundation

/// Where jobs keep what they remember between runs (cadences, the next read-data part,
/// the last results): `REPO_STATE_DIR`, else `/var/lib/repo` for root, else
/// `$XDG_STATE_HOME/repo` or `~/.local/state/repo`.
public enum StateDirectory {
    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["REPO_STATE_DIR"], !explicit.isEmpty { return explicit }
        if getuid() == 0 { return "/var/lib/repo" }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return "\(state)/repo" }
        return "\(environment["HOME"] ?? NSHomeDirectory())/.local/state/repo"
    }
}
