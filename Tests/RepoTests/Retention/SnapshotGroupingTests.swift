import Foundation
@testable import Repo
import Testing

/// Grouping snapshots by host, paths and tags before a policy is applied to each group.
@Suite struct SnapshotGroupingTests {
    typealias F = RetentionFixtures

    /// Two hosts back up on alternate days; grouped by host, keep-last 2 keeps the two newest
    /// of each host, where one group over both would keep the two newest overall.
    @Test func policyAppliesPerHost() {
        let snapshots = [
            F.snapshot(at: "2024-07-01 12:00", idPrefix: "alpha ", host: "alpha"),
            F.snapshot(at: "2024-07-02 12:00", idPrefix: "beta ", host: "beta"),
            F.snapshot(at: "2024-07-03 12:00", idPrefix: "alpha ", host: "alpha"),
            F.snapshot(at: "2024-07-04 12:00", idPrefix: "beta ", host: "beta"),
            F.snapshot(at: "2024-07-05 12:00", idPrefix: "alpha ", host: "alpha"),
            F.snapshot(at: "2024-07-06 12:00", idPrefix: "beta ", host: "beta"),
        ]
        let groups = GroupKey.group(snapshots.reversed(), by: [.host])
        #expect(groups.map(\.0) == [GroupKey(host: "alpha"), GroupKey(host: "beta")])
        #expect(groups.map(\.0.description) == ["host alpha", "host beta"])
        let policy = RetentionPolicy(keepLast: 2)
        F.expectDecisions(policy.decide(groups[0].1), keep: [
            "alpha 2024-07-05 12:00": ["last snapshot"],
            "alpha 2024-07-03 12:00": ["last snapshot"],
        ])
        F.expectDecisions(policy.decide(groups[1].1), keep: [
            "beta 2024-07-06 12:00": ["last snapshot"],
            "beta 2024-07-04 12:00": ["last snapshot"],
        ])
        let all = GroupKey.group(snapshots, by: [])
        #expect(all.count == 1)
        #expect(all[0].0.description == "all snapshots")
        F.expectDecisions(policy.decide(all[0].1), keep: [
            "beta 2024-07-06 12:00": ["last snapshot"],
            "alpha 2024-07-05 12:00": ["last snapshot"],
        ])
    }

    /// Tags and paths are sets: order and repeats do not make a new group. Groups are
    /// ordered by key, and snapshots keep their input order within a group.
    @Test func groupByTagsAndPaths() {
        let time = "2024-07-01 12:00"
        let snapshots = [
            F.snapshot(at: time, id: "1", paths: ["/b", "/a"], tags: ["weekly", "manual"]),
            F.snapshot(at: time, id: "2", paths: ["/a", "/b"], tags: ["manual", "weekly"]),
            F.snapshot(at: time, id: "3", paths: ["/a"], tags: []),
            F.snapshot(at: time, id: "4", paths: ["/a", "/b", "/a"], tags: ["manual"]),
            F.snapshot(at: time, id: "5", paths: ["/a"], tags: ["manual", "manual", "weekly"]),
        ]
        let byTags = GroupKey.group(snapshots, by: [.tags])
        #expect(byTags.map(\.0.description) == ["tags []", "tags [manual]", "tags [manual, weekly]"])
        #expect(byTags.map { $0.1.map(\.id) } == [["3"], ["4"], ["1", "2", "5"]])

        let byPaths = GroupKey.group(snapshots, by: [.paths])
        #expect(byPaths.map(\.0.description) == ["paths [/a]", "paths [/a, /b]"])
        #expect(byPaths.map { $0.1.map(\.id) } == [["3", "5"], ["1", "2", "4"]])

        let byDefault = GroupKey.group(snapshots)
        #expect(byDefault.map(\.0.description) == ["host alpha, paths [/a]", "host alpha, paths [/a, /b]"])

        let byAll = GroupKey.group(snapshots, by: Set(GroupingField.allCases))
        #expect(byAll.map { $0.1.map(\.id) } == [["3"], ["5"], ["4"], ["1", "2"]])
        #expect(byAll.last?.0 == GroupKey(host: "alpha", paths: ["/b", "/a"], tags: ["weekly", "manual"]))
    }

    /// The order of groups depends only on their keys, never on the input order.
    @Test func groupOrderIsDeterministic() {
        let hosts = ["delta", "alpha", "charlie", "bravo", "alpha", "delta"]
        let snapshots = hosts.enumerated().map { index, host in
            F.snapshot(at: F.date("2024-07-01 00:00").addingTimeInterval(Double(index) * 60), idPrefix: "\(host) ", host: host)
        }
        let expected = ["host alpha", "host bravo", "host charlie", "host delta"]
        var generator = F.Generator(seed: 7)
        for _ in 0..<20 {
            let groups = GroupKey.group(snapshots.shuffled(using: &generator), by: [.host])
            #expect(groups.map(\.0.description) == expected)
        }
        #expect(GroupKey.group([], by: [.host]).isEmpty)
    }

    @Test func keysOrderHostThenPathsThenTags() {
        #expect(GroupKey(host: "a", paths: ["/z"]) < GroupKey(host: "b", paths: ["/a"]))
        #expect(GroupKey(host: "a", paths: ["/a", "/z"]) < GroupKey(host: "a", paths: ["/b"]))
        #expect(GroupKey(host: "a", paths: ["/a"]) < GroupKey(host: "a", paths: ["/a", "/b"]))
        #expect(GroupKey(host: "a", tags: []) < GroupKey(host: "a", tags: ["x"]))
        #expect(!(GroupKey(host: "a") < GroupKey(host: "a")))
    }
}
