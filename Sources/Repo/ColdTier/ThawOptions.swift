import Foundation
import Storage

/// How `restore --thaw` thaws archived packs: the retrieval tier, how long the store keeps
/// the readable copies, and whether to wait for them.
public struct ThawOptions: Sendable {
    public var tier: ThawTier = .bulk
    /// Days the store keeps each restored copy readable (S3 bills them as STANDARD meanwhile).
    public var days = 7
    /// Wait until every pack is readable, then go on; else stop once the requests are made.
    public var wait = false
    /// Seconds between two looks at the packs still thawing (REPO_THAW_POLL; default 10
    /// minutes: a thaw takes minutes to days, and each look costs one HEAD a pack).
    public var pollInterval: Double = 600

    public init() {}
}
