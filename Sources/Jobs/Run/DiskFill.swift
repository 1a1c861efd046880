import Foundation
import Repo

/// The fill level of a local repository's file system: a run warns when it is above the
/// job's `disk-warning` percentage, before the disk is full and a night's backup fails.
/// Object stores have no fill level and are not checked.
struct DiskFill {
    /// Percent; 0 turns the check off.
    let threshold: Int

    /// A warning step when the file system holding the repository is fuller than the
    /// threshold; nil when it is not (or the repository is not on a local disk).
    func step(for repository: RepositoryConfig) -> StepResult? {
        guard threshold > 0, !repository.location.hasPrefix("s3:") else { return nil }
        var info = statvfs()
        guard statvfs(repository.location, &info) == 0, info.f_blocks > 0 else { return nil }
        let total = Double(info.f_blocks), available = Double(info.f_bavail), free = Double(info.f_bfree)
        // As df counts: used over what non-root users can have (used + available).
        let used = total - free
        let percent = Int((used / max(1, used + available) * 100).rounded(.up))
        guard percent > threshold else { return nil }
        let left = ByteCount.text(UInt64(available) * UInt64(info.f_frsize))
        return StepResult(name: "disk \(repository.name)", outcome: .warning,
                          detail: "the file system of \(repository.location) is \(percent)% full (over \(threshold)%), \(left) left")
    }
}
