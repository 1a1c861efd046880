/// Reads an object's archive state from a HEAD's headers: `x-amz-storage-class` (absent
/// for STANDARD), `x-amz-restore` (`ongoing-request="true"`, or `ongoing-request="false",
/// expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"` once a restored copy is readable) and, for
/// INTELLIGENT_TIERING's opt-in archive tiers, `x-amz-archive-status`.
enum S3ArchiveHeaders {
    /// Classes whose objects must be restored before a GET. GLACIER_IR (Instant Retrieval)
    /// is read like any other class.
    static let archiveClasses: Set<String> = ["GLACIER", "DEEP_ARCHIVE"]

    /// Whether an object listed in `storageClass` may need a thaw: an archive class, or
    /// INTELLIGENT_TIERING, whose opt-in archive tiers only a HEAD tells.
    static func mayBeArchived(listedAs storageClass: String?) -> Bool {
        guard let storageClass else { return false }
        return archiveClasses.contains(storageClass) || storageClass == "INTELLIGENT_TIERING"
    }

    /// `headers` with names in lower case, as `HTTPClient` gives them.
    static func state(_ headers: [String: String]) -> ArchiveState {
        let archiveClass: String
        if let status = headers["x-amz-archive-status"], !status.isEmpty {
            archiveClass = status  // ARCHIVE_ACCESS or DEEP_ARCHIVE_ACCESS
        } else if let storageClass = headers["x-amz-storage-class"], archiveClasses.contains(storageClass) {
            archiveClass = storageClass
        } else {
            return .hot
        }
        guard let restore = headers["x-amz-restore"] else { return .archived(storageClass: archiveClass) }
        switch quotedValue("ongoing-request", in: restore) {
        case "true": return .restoring(storageClass: archiveClass)
        case "false": return .restored(storageClass: archiveClass, until: quotedValue("expiry-date", in: restore))
        default: return .archived(storageClass: archiveClass)
        }
    }

    /// The value of `name="value"` in a header of such pairs separated by commas (a date's
    /// own comma sits inside the quotes).
    static func quotedValue(_ name: String, in header: String) -> String? {
        guard let start = header.range(of: name + "=\"") else { return nil }
        let rest = header[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
