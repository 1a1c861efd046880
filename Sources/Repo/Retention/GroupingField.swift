/// What snapshots are grouped by before a retention policy is applied to each group
/// separately (restic's `--group-by`): a policy of "keep 7 daily" means 7 per machine and
/// backup set, not 7 in the whole repository.
public enum GroupingField: String, Sendable, Hashable, CaseIterable, Codable {
    /// The host the snapshot was taken on.
    case host
    /// The set of backed-up paths (order and repeats do not matter).
    case paths
    /// The set of tags (order and repeats do not matter).
    case tags

    /// Host and paths, as in restic: one group per machine and backup set.
    public static let defaultFields: Set<GroupingField> = [.host, .paths]
}
