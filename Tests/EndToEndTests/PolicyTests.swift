import Foundation
import Testing

/// A retention policy stored in the repository (`repo policy`), applied by `repo forget`
/// without rules, as every host's scheduled job would.
@Suite struct PolicyTests {
    @Test func storedPolicyIsAppliedByForgetWithoutRules() throws {
        let workspace = try Workspace("policy")
        defer { workspace.remove() }
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        try FS.writeFile(Array((source + "/a").utf8), Array("content\n".utf8))
        try workspace.initRepository()
        for day in 1...10 {
            let time = String(format: "2024-07-%02dT02:00:00Z", day)
            #expect(try workspace.repo("snapshot", "--time", time, source).status == 0)
        }

        // Nothing stored yet: forget without rules or ids is a usage error that says what to do.
        let none = try workspace.repo("forget")
        #expect(none.status == 2 && none.combined.contains("policy set"), "\(none)")
        #expect(try workspace.repo("policy", "show").out.contains("no policy"))
        #expect(try workspace.repo("policy", "set").status == 2, "a policy needs a rule")
        #expect(try workspace.repo("policy", "set", "--keep-daily", "x").status == 2)

        let set = try workspace.repo("policy", "set", "--keep-daily", "3", "--keep-weekly", "2", "--group-by", "host")
        #expect(set.status == 0, "\(set)")
        let shown = try workspace.repo("policy", "show", "--json")
        let policy = try #require(shown.object["policy"] as? [String: Any], "\(shown)")
        #expect(policy["keep_daily"] as? Int == 3 && policy["keep_weekly"] as? Int == 2, "\(shown)")
        #expect(shown.object["group_by"] as? [String] == ["host"], "\(shown)")
        // A second set replaces the first: one policy object, the newest.
        #expect(try workspace.repo("policy", "set", "--keep-daily", "3", "--keep-weekly", "2").status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.repository + "/policy").count == 1)
        #expect(try workspace.repo("policy", "show", "--json").object["group_by"] as? [String] == ["host", "paths"])

        // forget --utc applies it: newest of 07-10, 07-09, 07-08 (daily), and of ISO weeks
        // W28 (07-10 again) and W27 (07-07).
        let dryRun = try workspace.repo("forget", "--utc", "--dry-run")
        #expect(dryRun.status == 0 && dryRun.out.contains("applying the repository's policy"), "\(dryRun)")
        #expect(try snapshotList(workspace).count == 10)
        let run = try workspace.repo("forget", "--utc", "--prune")
        #expect(run.status == 0, "\(run)")
        let kept = try snapshotList(workspace).compactMap { $0["time"] as? String }.map { String($0.prefix(10)) }
        #expect(kept == ["2024-07-07", "2024-07-08", "2024-07-09", "2024-07-10"], "\(kept)")
        #expect(try workspace.repo("check").status == 0)

        // Rules on the command line win over the stored policy; clear removes it.
        #expect(try workspace.repo("forget", "--keep-last", "1").status == 0)
        #expect(try snapshotList(workspace).count == 1)
        #expect(try workspace.repo("policy", "clear").status == 0)
        #expect(try workspace.repo("forget").status == 2)
    }
}
