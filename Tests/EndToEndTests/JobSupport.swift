import Foundation

// What the job tests share: a workspace with a job file, state directory and a small
// web application's files, and reading `repo run --json`'s step lines.

/// A workspace set up for `repo run`: REPO_CONFIG points at `jobs.toml` in it, the job
/// state lives in it, and the repository password is in a file the job file names.
func jobWorkspace(_ label: String) throws -> Workspace {
    let workspace = try Workspace(label)
    try workspace.password.write(toFile: workspace.path("password"), atomically: true, encoding: .utf8)
    workspace.extraEnvironment = [
        "REPO_CONFIG": workspace.path("jobs.toml"),
        "REPO_STATE_DIR": workspace.path("state"),
        "REPO_REPOSITORY": "",
        "REPO_PASSWORD": "",
    ]
    return workspace
}

extension Workspace {
    /// Writes the job file.
    func writeJobFile(_ text: String) throws {
        try text.write(toFile: path("jobs.toml"), atomically: true, encoding: .utf8)
    }

    /// Writes a job file of one job, `nightly` (backing up /srv to a repository `main` at
    /// /tmp/nowhere), whose table ends with `line`: line 6 of the file.
    func writeNightlyJobFile(endingWith line: String) throws {
        try writeJobFile("""
            [repository.main]
            location = "/tmp/nowhere"
            [job.nightly]
            repository = "main"
            paths = ["/srv"]
            \(line)
            """)
    }

    /// `repo init` of a repository at `location` with the workspace's password.
    func initRepository(at location: String, environment: [String: String?] = [:]) throws {
        let result = try repo(["init", "--repo", location], environment: environment.merging(["REPO_PASSWORD": password]) { $1 })
        guard result.status == 0 else { throw HarnessError("repo init \(location) failed: \(result)") }
    }

    /// The snapshots of the repository at `location`, oldest first.
    func snapshots(at location: String, environment: [String: String?] = [:]) throws -> [[String: Any]] {
        let result = try repo(["snapshots", "--json", "--repo", location], environment: environment.merging(["REPO_PASSWORD": password]) { $1 })
        guard result.status == 0 else { throw HarnessError("repo snapshots failed: \(result)") }
        return result.array
    }
}

extension RunResult {
    /// `repo run --json`'s step lines by step name.
    var steps: [String: [String: Any]] {
        var steps: [String: [String: Any]] = [:]
        for line in objectLines where line["message_type"] as? String == "step" {
            if let name = line["step"] as? String { steps[name] = line }
        }
        return steps
    }

    func stepResult(_ name: String) -> String? { steps[name]?["result"] as? String }
    func stepDetail(_ name: String) -> String { steps[name]?["detail"] as? String ?? "" }
}
