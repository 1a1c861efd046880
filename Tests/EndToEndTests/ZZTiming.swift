import Foundation
import Testing

@Suite struct ZZTiming {
    @Test func timing() throws {
        let workspace = try Workspace("timing")
        defer { workspace.remove() }
        var r = SeededRandom(seed: 1)
        var t = Date()
        _ = r.bytes(10_000_000); print("bytes 10MB", elapsed(since: t))
        t = Date()
        _ = r.text(3_000_000); print("text 3MB", elapsed(since: t))
        t = Date()
        try TreeGenerator.generate(at: workspace.path("a"), TreeSpec(seed: 1)); print("generate full", elapsed(since: t))
        t = Date()
        _ = TreeComparer.compare(workspace.path("a"), workspace.path("a")); print("compare full", elapsed(since: t))
        t = Date()
        try workspace.initRepository(); print("init", elapsed(since: t))
        t = Date()
        let s = try workspace.repo("snapshot", workspace.path("a")); print("snapshot", elapsed(since: t), s.status)
        t = Date()
        let x = try workspace.repo("restore", "latest", "--target", workspace.path("r")); print("restore", elapsed(since: t), x.status)
        t = Date()
        _ = try workspace.repo("snapshots"); print("snapshots", elapsed(since: t))
        t = Date()
        _ = try workspace.repo("check", "--read-data"); print("check", elapsed(since: t))
    }
}
