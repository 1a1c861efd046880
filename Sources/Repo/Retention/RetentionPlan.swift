import Foundation

/// What a retention policy does to a set of snapshots: per group (`GroupKey`), which it
/// keeps and why, and which it removes. Refuses, unless told otherwise, a policy that
/// would remove every snapshot of a group: that is never what a retention policy is for,
/// and it is what a typo in one (`--keep-tag nightyl`) does. `repo forget` and jobs share it.
public struct RetentionPlan: Sendable {
    public struct Group: Sendable {
        public let key: GroupKey
        /// Newest first, as `RetentionPolicy.apply` gives them.
        public let decisions: [RetentionDecision]
        public var removed: [StoredSnapshot] { decisions.filter { !$0.keep }.map(\.snapshot) }
    }

    public let groups: [Group]

    /// Every snapshot to remove, group by group.
    public var removals: [StoredSnapshot] { groups.flatMap(\.removed) }

    /// Applies `policy` to `snapshots` grouped by `fields`. An empty policy removes
    /// everything, so it is refused unless `allowEmpty`, as is any group it would empty.
    public init(snapshots: [StoredSnapshot], policy: RetentionPolicy, groupBy fields: Set<GroupingField> = GroupingField.defaultFields,
                timeZone: TimeZone = .current, allowEmpty: Bool = false) throws {
        if policy.isEmpty && !allowEmpty { throw RetentionRefusal.emptyPolicy }
        groups = try GroupKey.group(snapshots, by: fields).map { key, members in
            let decisions = policy.isEmpty ? members.map { RetentionDecision(snapshot: $0, keep: false, reasons: []) }
                                           : policy.apply(to: members, timeZone: timeZone)
            let group = Group(key: key, decisions: decisions)
            if group.removed.count == members.count && !allowEmpty {
                throw RetentionRefusal.wouldEmptyGroup(policy: "\(policy)", group: "\(key)", snapshots: members.count)
            }
            return group
        }
    }
}

/// A retention policy refused before anything was removed.
public enum RetentionRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyPolicy
    case wouldEmptyGroup(policy: String, group: String, snapshots: Int)

    public var description: String {
        switch self {
        case .emptyPolicy: return "the policy keeps no snapshot: refused without --allow-empty"
        case .wouldEmptyGroup(let policy, let group, let count):
            return "the policy (\(policy)) would remove all \(count) snapshots of group \(group): refused without --allow-empty"
        }
    }
}
