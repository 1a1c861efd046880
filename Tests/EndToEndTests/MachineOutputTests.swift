import Foundation
import Testing

/// `--json` errors are one JSON object on stderr with the exit code; `ls` prints through
/// the same presentation as every command, and `--quiet` does not hide what it lists.
@Suite struct MachineOutputTests {
    /// The one JSON object a failing `--json` run wrote on stderr.
    private func errorObject(_ run: RunResult) throws -> [String: Any] {
        #expect(run.stderrLines.count == 1, "one line: \(run)")
        let line = try #require(run.stderrLines.first, "\(run)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(run)")
    }

    @Test func failuresWithJSONAreOneErrorObject() throws {
        let workspace = try Workspace("json-errors")
        defer { workspace.remove() }
        try workspace.initRepository()
        let wrongPassword = "Wrong-Pa55word-json-4c1d"

        // Wrong password: exit 12, the text line's message in the object.
        let text = try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD": wrongPassword])
        let wrong = try workspace.repo(["snapshots", "--json"], environment: ["REPO_PASSWORD": wrongPassword])
        #expect(wrong.status == 12, "\(wrong)")
        let object = try errorObject(wrong)
        #expect(Set(object.keys) == ["message_type", "error", "exit_code"], "\(object)")
        #expect(object["message_type"] as? String == "error")
        #expect(object["exit_code"] as? Int == 12)
        #expect("repo: \(object["error"] as? String ?? "")" == text.stderrLines.first, "the same line as the text: \(text)")
        #expect(wrong.out.isEmpty, "\(wrong)")
        #expect(!wrong.combined.contains(wrongPassword) && !wrong.combined.contains(workspace.password))
        #expect(wrong.stderrLines.first?.hasPrefix(#"{"message_type":"error","error":"#) == true, "the documented order: \(wrong)")

        // An unknown flag: exit 2, the object and no usage line.
        let unknown = try workspace.repo("snapshots", "--frobnicate", "--json")
        #expect(unknown.status == 2, "\(unknown)")
        let usage = try errorObject(unknown)
        #expect(usage["exit_code"] as? Int == 2 && usage["message_type"] as? String == "error", "\(usage)")
        #expect((usage["error"] as? String)?.contains("--frobnicate") == true, "\(usage)")
        #expect(!unknown.err.contains("usage:"), "no usage line with --json: \(unknown)")
        // A usage error found once the command line is parsed.
        let noRepository = try workspace.repo(["snapshots", "--json"], environment: ["REPO_REPOSITORY": nil])
        #expect(noRepository.status == 2, "\(noRepository)")
        #expect(try errorObject(noRepository)["exit_code"] as? Int == 2, "\(noRepository)")

        // No repository there: exit 10, named in the object.
        let missing = workspace.path("nowhere")
        let notFound = try workspace.repo(["check", "--json"], environment: ["REPO_REPOSITORY": missing])
        #expect(notFound.status == 10, "\(notFound)")
        let notFoundError = try errorObject(notFound)["error"] as? String
        #expect(notFoundError?.contains(missing) == true, "\(notFound)")

        // Without --json: the text line and the usage line, as before.
        let plain = try workspace.repo("snapshots", "--frobnicate")
        #expect(plain.status == 2 && plain.err.hasPrefix("repo: unknown option --frobnicate") && plain.err.contains("usage: repo snapshots"),
                "\(plain)")
        // `--json` after `--` is an argument, not the flag.
        let afterDashDash = try workspace.repo("snapshot", "--frobnicate", "--", "--json")
        #expect(afterDashDash.status == 2 && afterDashDash.err.hasPrefix("repo: "), "\(afterDashDash)")
    }

    @Test func lsListsTheSameWithQuietAndItsJSONIsOneObjectPerEntry() throws {
        let workspace = try Workspace("ls-output")
        defer { workspace.remove() }
        try workspace.initRepository()
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        try FS.writeFile(Array((source + "/a.txt").utf8), Array("alpha\n".utf8))
        try FS.mkdir(Array((source + "/dir").utf8))
        try FS.writeFile(Array((source + "/dir/b.txt").utf8), Array("beta\n".utf8))
        #expect(try workspace.repo("snapshot", source).status == 0)

        for extra in [[], ["-l"], ["--json"]] {
            let loud = try workspace.repo(["ls", "latest", source] + extra)
            let quiet = try workspace.repo(["ls", "latest", source, "--quiet"] + extra)
            #expect(loud.status == 0 && quiet.status == 0, "\(loud)\n\(quiet)")
            #expect(loud.stdout == quiet.stdout, "--quiet does not hide a listing: \(loud)\n\(quiet)")
        }
        let plain = try workspace.repo("ls", "latest", source)
        #expect(plain.stdoutLines == [source + "/a.txt", source + "/dir", source + "/dir/b.txt"], "the directory's entries: \(plain)")

        let json = try workspace.repo("ls", "latest", source, "--json")
        #expect(json.objectLines.count == 3, "\(json)")
        let file = try #require(json.objectLines.first { $0["path"] as? String == source + "/a.txt" }, "\(json)")
        #expect(Set(file.keys) == ["path", "type", "mode", "size", "uid", "gid", "mtime"], "\(file)")
        #expect(file["type"] as? String == "file" && file["size"] as? Int == 6, "\(file)")
        #expect(json.stdoutLines.first?.hasPrefix(#"{"gid":"#) == true, "keys sorted, as every --json line: \(json)")

        // One entry, not a directory: that entry alone.
        let one = try workspace.repo("ls", "latest", source + "/a.txt")
        #expect(one.stdoutLines == [source + "/a.txt"], "\(one)")
    }

    /// The keys of a flat JSON object line, in the order they were printed.
    private func printedKeys(_ line: String) -> [String] {
        line.split(separator: ",").compactMap { field in
            let text = field.drop { $0 == "{" }
            guard text.hasPrefix("\""), let end = text.dropFirst().firstIndex(of: "\"") else { return nil }
            return String(text[text.index(after: text.startIndex)..<end])
        }
    }

    @Test func jsonMessagesAreSortedAndNeverMissing() throws {
        let workspace = try Workspace("json-shapes")
        defer { workspace.remove() }
        try workspace.initRepository()

        // Flat messages print their keys sorted (docs/guide.md, "JSON output").
        let check = try workspace.repo("check", "--json")
        #expect(check.status == 0 && check.stdoutLines.count == 1, "\(check)")
        let checkKeys = printedKeys(check.stdoutLines.first ?? "")
        #expect(checkKeys == ["archived_bytes", "archived_packs", "blobs", "bytes_read", "clean", "notes", "packs", "packs_read", "problems", "snapshots", "trees"], "\(check)")
        let stats = try workspace.repo("stats", "--json")
        let statsKeys = printedKeys(stats.stdoutLines.first ?? "")
        #expect(statsKeys == statsKeys.sorted() && statsKeys.count == 10, "\(stats)")

        // No stored policy: JSON null, not a crash.
        let noPolicy = try workspace.repo("policy", "show", "--json")
        #expect(noPolicy.status == 0 && noPolicy.stdoutLines == ["null"], "\(noPolicy)")

        // A schedule spec that cannot be read is a JSON error like any other.
        let badSpec = try workspace.repo("schedule", "install", "nightly", "--at", "daily 25:00", "--json")
        #expect(badSpec.status == 2 && badSpec.out.isEmpty, "\(badSpec)")
        let error = try errorObject(badSpec)
        #expect(error["exit_code"] as? Int == 2 && (error["error"] as? String)?.contains("25:00") == true, "\(badSpec)")
        // An unknown option of a subcommand names the whole command.
        let unknownOption = try workspace.repo("policy", "show", "--bogus", "--json")
        #expect(unknownOption.status == 2, "\(unknownOption)")
        #expect(try errorObject(unknownOption)["error"] as? String == "unknown option --bogus for `repo policy show`", "\(unknownOption)")
    }
}
