import Foundation
import Posix
import Repo
import Storage

/// The fill level of a local repository's file system: a run warns when it is above the
/// job's `disk-warning` percentage, before the disk is full and a night's backup fails.
/// Object stores have no fill level and are not checked.
struct DiskFill {
    /// Percent; 0 turns the check off.
    let threshold: Int

    /// A warning step when the file system holding the repository is fuller than the
    /// threshold; nil when it is not (or the repository is not on a local disk).
    func step(for repository: RepositoryConfig) -> StepResult? {
        guard threshold > 0, let directory = BackendFactory.localDirectory(of: repository.location),
              let space = try? FileSystemSpace.of(directory), space.totalBytes > 0 else { return nil }
        let percent = space.percentUsed
        guard percent > threshold else { return nil }
        let left = ByteCount.text(space.availableBytes)
        return StepResult(name: "disk \(repository.name)", outcome: .warning,
                          detail: "the file system of \(repository.location) is \(percent)% full (over \(threshold)%), \(left) left")
    }
}
