import Foundation
import Storage

/// A command needs packs that are archived and not yet readable: nothing is damaged, and
/// nothing was written. Exit code 20 (README, "Exit codes").
public struct ArchivedPacksError: Error, CustomStringConvertible {
    public enum Reason: Sendable {
        /// Not thawed, and not asked to thaw; `hint` says how (e.g. "run again with --thaw").
        case archived(hint: String)
        /// Thaw requested (or already under way) and not waited for.
        case thawPending(hours: Double)
    }

    public let reason: Reason
    public let packs: Int
    public let bytes: UInt64
    public let storageClass: String
    /// What needs them: "the restore", "the copy".
    public let purpose: String

    public init(reason: Reason, packs: Int, bytes: UInt64, storageClass: String, purpose: String) {
        self.reason = reason
        self.packs = packs
        self.bytes = bytes
        self.storageClass = storageClass
        self.purpose = purpose
    }

    public var description: String {
        let amount = "\(packs) \(packs == 1 ? "pack" : "packs") (\(ByteCount.text(bytes)))"
        switch reason {
        case .archived(let hint):
            return "\(amount) \(purpose) needs \(packs == 1 ? "is" : "are") archived in \(storageClass); \(hint)"
        case .thawPending(let hours):
            return "thaw requested: \(packs) \(packs == 1 ? "pack" : "packs"), \(ByteCount.text(bytes)); run again in about \(Self.describe(hours: hours))"
        }
    }

    /// "5 minutes", "12 hours".
    static func describe(hours: Double) -> String {
        if hours < 1 { return "\(Int((hours * 60).rounded())) minutes" }
        let whole = Int(hours.rounded(.up))
        return "\(whole) \(whole == 1 ? "hour" : "hours")"
    }
}
