/// What a retention policy decided for one snapshot, and why, so that `forget` can show the
/// user which rule keeps each snapshot (and a dry run can be checked before anything goes).
public struct RetentionDecision: Sendable, Equatable {
    public let snapshot: StoredSnapshot
    /// Kept by at least one rule; otherwise `forget` removes it.
    public let keep: Bool
    /// Every rule that keeps the snapshot, in policy order: "last snapshot",
    /// "hourly 2024-07-01 13h", "daily 2024-07-01", "weekly 2024-W27", "monthly 2024-07",
    /// "yearly 2024", "within 30d", "daily 2024-07-01 within 30d", "tag nightly". A reason
    /// starting with "oldest" marks the group's oldest snapshot kept because a rule still had
    /// count left (see `RetentionPolicy.apply`). Empty when the snapshot is removed.
    public let reasons: [String]

    public init(snapshot: StoredSnapshot, keep: Bool, reasons: [String]) {
        self.snapshot = snapshot
        self.keep = keep
        self.reasons = reasons
    }
}
