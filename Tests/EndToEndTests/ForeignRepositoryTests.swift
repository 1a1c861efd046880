import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15 D15: a restic or borg repository is named as such, not reported as damage, and
/// `init` on a plain file says the path is a file.
@Suite struct ForeignRepositoryTests {
    /// Makes a restic repository at `path` with restic itself when installed, else its markers.
    private func makeRestic(_ path: String, _ workspace: Workspace) throws {
        if access("/usr/bin/restic", X_OK) == 0 {
            let made = try runProgram("/usr/bin/restic", ["init", "--repo", path, "--insecure-no-password"],
                                      environment: ["PATH": "/usr/bin:/bin", "HOME": workspace.home, "RESTIC_CACHE_DIR": workspace.path("rcache")],
                                      scratch: workspace.root)
            if made.status == 0 { return }
            let again = try runProgram("/usr/bin/restic", ["init", "--repo", path],
                                       environment: ["PATH": "/usr/bin:/bin", "HOME": workspace.home, "RESTIC_PASSWORD": "pw",
                                                     "RESTIC_CACHE_DIR": workspace.path("rcache")], scratch: workspace.root)
            #expect(again.status == 0, "\(again)")
            return
        }
        for directory in ["keys", "data", "snapshots", "index", "locks"] {
            try FileManager.default.createDirectory(atPath: path + "/" + directory, withIntermediateDirectories: true)
        }
        try Data((0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }).write(to: URL(fileURLWithPath: path + "/config"))
    }

    private func makeBorg(_ path: String, _ workspace: Workspace) throws {
        if access("/usr/bin/borg", X_OK) == 0 {
            let made = try runProgram("/usr/bin/borg", ["init", "-e", "none", path],
                                      environment: ["PATH": "/usr/bin:/bin", "HOME": workspace.home,
                                                    "BORG_BASE_DIR": workspace.path("borgbase")], scratch: workspace.root)
            #expect(made.status == 0, "\(made)")
            return
        }
        try FileManager.default.createDirectory(atPath: path + "/data", withIntermediateDirectories: true)
        try Data("This is a Borg Backup repository.\nSee https://borgbackup.readthedocs.io/\n".utf8)
            .write(to: URL(fileURLWithPath: path + "/README"))
        try Data("[repository]\nversion = 1\nsegments_per_dir = 1000\n".utf8).write(to: URL(fileURLWithPath: path + "/config"))
    }

    @Test func resticAndBorgRepositoriesAreNamed() throws {
        let workspace = try Workspace("foreign")
        defer { workspace.remove() }
        let restic = workspace.path("restic-repo")
        let borg = workspace.path("borg-repo")
        try makeRestic(restic, workspace)
        try makeBorg(borg, workspace)
        for (path, kind) in [(restic, "restic"), (borg, "borg")] {
            for arguments in [["snapshots"], ["check"], ["ls", "latest"]] {
                let result = try workspace.repo(arguments, environment: ["REPO_REPOSITORY": path])
                #expect(result.status == 10, "\(arguments) on a \(kind) repository: \(result)")
                #expect(result.err.contains("\(path) is a \(kind) repository, not a repo repository"), "\(result)")
                #expect(!result.err.contains("damaged"), "\(result)")
            }
        }
    }

    @Test func initOnAFileSaysItIsAFile() throws {
        let workspace = try Workspace("initfile")
        defer { workspace.remove() }
        let file = workspace.path("plain")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let result = try workspace.repo(["init"], environment: ["REPO_REPOSITORY": file])
        #expect(result.status == 1, "\(result)")
        #expect(result.err.contains("\(file) is a file, not a directory"), "\(result)")
        #expect(!result.err.contains("no repository at"), "\(result)")
    }
}
