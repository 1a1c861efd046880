import Foundation
import Testing

/// `repo forget` refuses, before removing anything, a policy that would empty a group.
struct ForgetRefusalTests {
    @Test func aPolicyThatWouldRemoveEverySnapshotOfAGroupIsRefused() throws {
        let workspace = try Workspace("forget-refusal")
        defer { workspace.remove() }
        try workspace.initRepository()
        try FileManager.default.createDirectory(atPath: workspace.path("data"), withIntermediateDirectories: true)
        try "x".write(toFile: workspace.path("data/x"), atomically: true, encoding: .utf8)
        for _ in 0..<2 { #expect(try workspace.repo("snapshot", workspace.path("data")).status == 0) }

        let refused = try workspace.repo("forget", "--keep-tag", "release")
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.err.contains("would remove all 2 snapshots of group") && refused.err.contains("--allow-empty"), "\(refused)")
        #expect(try snapshotList(workspace).count == 2, "nothing was removed")

        let allowed = try workspace.repo("forget", "--keep-tag", "release", "--allow-empty")
        #expect(allowed.status == 0, "\(allowed)")
        #expect(try snapshotList(workspace).isEmpty)
    }
}
