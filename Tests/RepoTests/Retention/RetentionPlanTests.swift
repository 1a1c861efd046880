import Foundation
@testable import Repo
import Testing

/// `RetentionPlan`: a policy applied per group, and the refusals that keep a mistaken
/// policy from emptying a group.
@Suite struct RetentionPlanTests {
    typealias F = RetentionFixtures

    @Test func removalsArePerGroup() throws {
        let files = F.series(from: "2026-12-01 03:00", every: 86_400, count: 5, idPrefix: "files-")
        let dump = (0..<5).map { F.snapshot(at: F.date("2026-12-01 03:00").addingTimeInterval(Double($0) * 86_400),
                                            idPrefix: "dump-", paths: ["/databases/postgres/shop.sql"]) }
        let plan = try RetentionPlan(snapshots: files + dump, policy: RetentionPolicy(keepLast: 2))
        #expect(plan.groups.count == 2)
        #expect(plan.groups.allSatisfy { $0.removed.count == 3 })
        #expect(Set(plan.removals.map(\.id)) == Set((files.prefix(3) + dump.prefix(3)).map(\.id)))
    }

    @Test func aPolicyThatWouldEmptyAGroupIsRefused() throws {
        let tagged = F.snapshot(at: "2026-12-01 03:00", tags: ["release"])
        let untagged = F.snapshot(at: "2026-12-02 03:00", paths: ["/other"])
        let policy = RetentionPolicy(keepTags: ["release"])
        #expect(throws: RetentionRefusal.wouldEmptyGroup(policy: "\(policy)", group: "\(GroupKey(untagged.snapshot, by: GroupingField.defaultFields))", snapshots: 1)) {
            try RetentionPlan(snapshots: [tagged, untagged], policy: policy)
        }
        let allowed = try RetentionPlan(snapshots: [tagged, untagged], policy: policy, allowEmpty: true)
        #expect(allowed.removals.map(\.id) == [untagged.id])
    }

    @Test func anEmptyPolicyIsRefusedUnlessAllowed() throws {
        let snapshots = F.series(from: "2026-12-01 03:00", every: 3600, count: 3)
        #expect(throws: RetentionRefusal.emptyPolicy) { try RetentionPlan(snapshots: snapshots, policy: RetentionPolicy()) }
        #expect(try RetentionPlan(snapshots: snapshots, policy: RetentionPolicy(), allowEmpty: true).removals.count == 3)
        #expect("\(RetentionRefusal.emptyPolicy)".contains("--allow-empty"))
    }
}
