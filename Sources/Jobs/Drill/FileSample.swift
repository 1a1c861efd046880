import Foundation
import Repo

/// A random sample of a snapshot's regular files for a drill to restore: a reservoir over
/// the walk, so every file is equally likely whatever the tree's size. Names holding glob
/// characters are passed over, since the sample is restored through include patterns.
struct FileSample {
    let repository: Repository
    let count: Int

    func paths(in snapshot: Snapshot) throws -> [String] {
        guard count > 0 else { return [] }
        var sample: [String] = []
        var seen = 0
        var generator = SystemRandomNumberGenerator()
        try SnapshotBrowser(repository: repository).walk(snapshot.tree) { path, node in
            guard node.type == .file else { return }
            let text = path.description
            guard !text.contains(where: { "*?[]\\".contains($0) }) else { return }
            seen += 1
            if sample.count < count {
                sample.append(text)
            } else {
                let slot = Int.random(in: 0..<seen, using: &generator)
                if slot < count { sample[slot] = text }
            }
        }
        return sample.sorted()
    }
}
