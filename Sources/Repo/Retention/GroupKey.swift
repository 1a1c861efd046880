/// The identity of a group of snapshots: the values of the grouping fields, with the fields
/// not grouped by left `nil`. Paths and tags are sets, so they are kept sorted and without
/// repeats: `["/b", "/a"]` and `["/a", "/b", "/a"]` are the same group.
public struct GroupKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let host: String?
    public let paths: [String]?
    public let tags: [String]?

    public init(host: String? = nil, paths: [String]? = nil, tags: [String]? = nil) {
        self.host = host
        self.paths = paths.map { Array(Set($0)).sorted() }
        self.tags = tags.map { Array(Set($0)).sorted() }
    }

    /// The key of `snapshot` when grouping by `fields`.
    public init(_ snapshot: Snapshot, by fields: Set<GroupingField>) {
        self.init(host: fields.contains(.host) ? snapshot.host : nil,
                  paths: fields.contains(.paths) ? snapshot.paths : nil,
                  tags: fields.contains(.tags) ? snapshot.tags : nil)
    }

    /// Splits `snapshots` into groups by `fields`. Groups come ordered by key (host, then
    /// paths, then tags, each compared as text), so output and dry runs do not depend on the
    /// order the repository listed the snapshots in; within a group snapshots keep the order
    /// they were given in. Grouping by no field gives one group of everything (an empty
    /// input gives no groups).
    public static func group(_ snapshots: [StoredSnapshot],
                             by fields: Set<GroupingField> = GroupingField.defaultFields) -> [(GroupKey, [StoredSnapshot])] {
        var groups: [GroupKey: [StoredSnapshot]] = [:]
        for stored in snapshots { groups[GroupKey(stored.snapshot, by: fields), default: []].append(stored) }
        return groups.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Orders by host, then paths, then tags; a field that is not set sorts first.
    public static func < (lhs: GroupKey, rhs: GroupKey) -> Bool {
        if lhs.host != rhs.host { return precedes(lhs.host.map { [$0] }, rhs.host.map { [$0] }) }
        if lhs.paths != rhs.paths { return precedes(lhs.paths, rhs.paths) }
        return precedes(lhs.tags, rhs.tags)
    }

    private static func precedes(_ lhs: [String]?, _ rhs: [String]?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case let (lhs?, rhs?): return lhs.lexicographicallyPrecedes(rhs)
        }
    }

    /// As shown above each group: `host alpha, paths [/etc, /home], tags [nightly]`;
    /// `all snapshots` when grouping by nothing.
    public var description: String {
        var parts: [String] = []
        if let host { parts.append("host \(host)") }
        if let paths { parts.append("paths [\(paths.joined(separator: ", "))]") }
        if let tags { parts.append("tags [\(tags.joined(separator: ", "))]") }
        return parts.isEmpty ? "all snapshots" : parts.joined(separator: ", ")
    }
}
