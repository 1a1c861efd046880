import Workers

/// What `repair packs` is asked to do.
public struct PackRepairOptions: Sendable {
    /// Packs to repair, by full id or unique prefix; empty: every indexed pack is read and
    /// the damaged ones are repaired.
    public var packs: [String] = []
    /// Only read, and say what would be salvaged and lost.
    public var dryRun = false
    /// Raised, the search for damaged packs stops between packs, before anything is written.
    public var cancellation: Cancellation = .process

    public init() {}
}
