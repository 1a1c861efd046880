import Foundation

/// Where the job file is: `--config FILE`, else `REPO_CONFIG`, else `/etc/repo/jobs.toml`,
/// else `~/.config/repo/jobs.toml` (`$XDG_CONFIG_HOME/repo/jobs.toml`).
public enum JobFileLocator {
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let configured = environment["REPO_CONFIG"], !configured.isEmpty { return configured }
        let candidates = defaultPaths(environment: environment)
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        throw JobError.noJobFile(searched: candidates)
    }

    public static func defaultPaths(environment: [String: String]) -> [String] {
        var paths = ["/etc/repo/jobs.toml"]
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            paths.append("\(config)/repo/jobs.toml")
        } else if let home = environment["HOME"], !home.isEmpty {
            paths.append("\(home)/.config/repo/jobs.toml")
        }
        return paths
    }
}
