/// Where an object stands in a store with archive tiers (S3's GLACIER and DEEP_ARCHIVE):
/// readable at once, or archived and readable only once a restore request ("thaw") has
/// made a temporary copy. Stores without tiers hold every object `.hot`.
public enum ArchiveState: Sendable, Equatable {
    /// Readable now, and never needed a thaw (any non-archive class, GLACIER_IR included).
    case hot
    /// In `storageClass` with no restored copy and none under way: reads fail until thawed.
    case archived(storageClass: String)
    /// A restore was requested and is still running: reads fail until it completes.
    case restoring(storageClass: String)
    /// A restored copy is readable until `until` (as the store writes the date), after
    /// which the object is archived again.
    case restored(storageClass: String, until: String?)

    /// Whether a read succeeds now.
    public var isReadable: Bool {
        switch self {
        case .hot, .restored: true
        case .archived, .restoring: false
        }
    }

    /// The archive class, or nil when the object is not in one.
    public var storageClass: String? {
        switch self {
        case .hot: nil
        case .archived(let storageClass), .restoring(let storageClass), .restored(let storageClass, _): storageClass
        }
    }
}

/// How fast (and at what price) an archive store makes a restored copy: S3's retrieval
/// tiers. Names as on the command line.
public enum ThawTier: String, Sendable, CaseIterable {
    case bulk, standard, expedited

    /// S3's spelling in a RestoreRequest.
    public var s3Name: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }

    /// About how long a restore from `storageClass` takes in this tier, in hours (AWS's
    /// published ranges, their upper end): what "run again in about H hours" says.
    public func expectedHours(from storageClass: String) -> Double {
        let deep = storageClass == "DEEP_ARCHIVE" || storageClass == "DEEP_ARCHIVE_ACCESS"
        switch self {
        case .expedited: return deep ? 12 : 5.0 / 60  // Deep Archive has no expedited tier: S3 refuses it.
        case .standard: return deep ? 12 : 5
        case .bulk: return deep ? 48 : 12
        }
    }
}

/// What a store answered a restore request with.
public enum ThawAnswer: Sendable, Equatable {
    /// A restore was started (S3: 202).
    case requested
    /// A restored copy is already readable; its expiry was extended (S3: 200).
    case alreadyRestored
    /// A restore is already under way (S3: 409 RestoreAlreadyInProgress).
    case alreadyInProgress
    /// The object is not archived: nothing to thaw.
    case notArchived
}
