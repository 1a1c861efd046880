import Foundation
import Testing

extension PruneTests {
    /// 1. forget --prune frees space with no loss; dry runs predict the real runs exactly and
    /// change no file.
    @Suite struct PruneForgetTests {
        /// A snapshot, and a copy of the tree it was taken of.
        typealias Version = (id: String, copy: String)

        @Test func forgetPruneFreesSpaceWithoutLoss() throws {
            let start = Date()
            let workspace = try Workspace("prune-forget")
            defer { workspace.remove() }
            let source = workspace.path("src")
            let versions = try snapshotFiveVersions(workspace, source: source)
            try forgetPruneMatchesItsDryRun(workspace, versions: versions, source: source)
            try pruneMatchesItsDryRun(workspace)
            try pruneAgainHasNothingToDo(workspace, last: versions[4], source: source)
            print("PruneForgetTests: \(String(format: "%.1f", elapsed(since: start))) s")
        }

        /// Five versions of a generated tree; each rewrites a third of the nested files,
        /// replaces a large file, adds a file and removes the previous version's.
        private func snapshotFiveVersions(_ workspace: Workspace, source: String) throws -> [Version] {
            var spec = TreeSpec(seed: 31)
            spec.tinyFiles = 200
            spec.filesPerDirectory = 3...6
            spec.smallFileMaximum = 60_000
            spec.randomFileSizes = [1_500_000, 900_000]
            spec.textFileSizes = [1_000_000]
            spec.sparseSize = 0
            let tree = try TreeGenerator.generate(at: source, spec)
            let initialized = try workspace.repo("init", "--pack-size", "1")
            try #require(initialized.status == 0, "\(initialized)")

            var random = SeededRandom(seed: 3131)
            var editable = tree.plainFiles.filter { $0.starts(with: Array("d0-".utf8)) }
            try #require(editable.count > 6, "the tree has nested files to edit: \(editable.count)")
            let large = try #require(tree.randomFiles.first)
            var versions: [Version] = []
            for version in 1...5 {
                if version > 1 {
                    for relative in editable where Int.random(in: 0..<3, using: &random) == 0 {
                        try FS.writeFile(tree.absolute(relative), random.bytes(Int.random(in: 1_000...60_000, using: &random)))
                    }
                    try FS.writeFile(tree.absolute(large), random.bytes(1_500_000))
                    try FS.writeFile(Array("\(source)/added-\(version).bin".utf8), random.bytes(600_000))
                    if version > 2 { try FS.unlink(Array("\(source)/added-\(version - 1).bin".utf8)) }
                    try FS.unlink(tree.absolute(editable.removeLast()))
                }
                let snapshot = try workspace.repo("snapshot", "--json", source)
                try #require(snapshot.status == 0, "version \(version): \(snapshot)")
                let id = try #require(snapshot.object["snapshot"] as? String, "\(snapshot)")
                let copy = workspace.path("version-\(version)")
                try copyTree(source, copy)
                let faithful = TreeComparer.compare(source, copy)
                try #require(faithful.isEmpty, "cp -a must copy the tree faithfully:\n\(report(faithful))")
                versions.append((id, copy))
            }
            return versions
        }

        /// The dry run of forget --prune: the same plan as the real one, and no file changed.
        /// The real one frees what its report says, and the last two versions restore.
        private func forgetPruneMatchesItsDryRun(_ workspace: Workspace, versions: [Version], source: String) throws {
            let repository = workspace.repository
            let untouched = try fileStates(under: repository)
            let bytesBefore = packBytes(repository)
            let dryRun = try workspace.repo("forget", "--keep-last", "2", "--prune", "--dry-run", "--json")
            #expect(dryRun.status == 0, "\(dryRun)")
            let afterDryRun = try fileStates(under: repository)
            #expect(afterDryRun == untouched, "forget --prune --dry-run changed the repository:\n\(stateChanges(untouched, afterDryRun))")
            #expect(try snapshotList(workspace).count == 5, "a dry run forgets nothing")
            let planned = pruneObject(dryRun)
            #expect(planned["dry_run"] as? Bool == true, "\(dryRun)")

            let run = try workspace.repo("forget", "--keep-last", "2", "--prune", "--json")
            try #require(run.status == 0, "\(run)")
            let done = pruneObject(run)
            #expect(done["dry_run"] as? Bool == false, "\(run)")
            for key in ["snapshots", "blobs", "blobs_in_use", "bytes_in_use", "packs", "stored_bytes", "unused_packs", "unused_bytes",
                        "repacked_packs", "repacked_bytes", "repacked_blobs", "deleted_packs", "deleted_bytes", "condemned_packs"] {
                #expect(int(planned, key) != nil && int(planned, key) == int(done, key),
                        "the dry run must predict \(key): \(String(describing: planned[key])) vs \(String(describing: done[key]))")
            }
            let deleted = int(done, "deleted_bytes") ?? -1
            let rewritten = int(done, "rewritten_bytes") ?? -1
            #expect(int(done, "snapshots") == 2, "\(run)")
            #expect((int(done, "deleted_packs") ?? 0) > 0, "forgetting three versions leaves packs to delete: \(run)")
            #expect((int(done, "unused_packs") ?? 0) > 0, "some packs hold only forgotten data: \(run)")
            #expect((int(done, "repacked_packs") ?? 0) > 0, "some packs mix kept and forgotten data: \(run)")
            #expect(rewritten > 0 && rewritten < (int(done, "repacked_bytes") ?? 0), "\(run)")
            #expect(int(done, "condemned_packs") == 0 && (done["deferred_because"] as? [Any])?.isEmpty == true,
                    "no other process: deleted at once: \(run)")
            #expect(int(done, "stored_bytes") == bytesBefore, "stored_bytes is the size of all packs: \(run)")
            #expect(int(done, "freed_bytes") == deleted - rewritten, "\(run)")
            let bytesAfter = packBytes(repository)
            #expect(bytesBefore - bytesAfter == deleted - rewritten,
                    "packs shrank by \(bytesBefore - bytesAfter) bytes, the report says \(deleted) deleted - \(rewritten) rewritten")
            // The whole repository shrank by about as much (snapshot and index objects are small).
            let totalShrink = untouched.values.reduce(0) { $0 + $1.size } - (try fileStates(under: repository)).values.reduce(0) { $0 + $1.size }
            #expect(abs(totalShrink - (deleted - rewritten)) < 64 << 10,
                    "the repository shrank by \(totalShrink) bytes, the report says \(deleted) deleted - \(rewritten) rewritten")
            #expect(objectIDs(repository, "condemned").isEmpty && lockIDs(repository).isEmpty)

            let kept = try snapshotList(workspace).compactMap { $0["id"] as? String }
            #expect(Set(kept) == Set([versions[3].id, versions[4].id]), "\(kept)")
            let check = try workspace.repo("check", "--read-data")
            #expect(check.status == 0, "\(check)")
            for index in [3, 4] {
                let differences = try restoreDifferences(workspace, id: versions[index].id, source: source,
                                                         expected: versions[index].copy, label: "v\(index + 1)")
                #expect(differences.isEmpty, "version \(index + 1) after forget --prune:\n\(report(differences))")
            }
        }

        /// prune --dry-run, then prune (after forgetting one more version): the same, and
        /// again nothing changed by the dry run.
        private func pruneMatchesItsDryRun(_ workspace: Workspace) throws {
            let repository = workspace.repository
            let forget = try workspace.repo("forget", "--keep-last", "1")
            #expect(forget.status == 0, "\(forget)")
            let before = try fileStates(under: repository)
            let bytesBefore2 = packBytes(repository)
            let dryPrune = try workspace.repo("prune", "--dry-run", "--json")
            #expect(dryPrune.status == 0, "\(dryPrune)")
            let afterDryPrune = try fileStates(under: repository)
            #expect(afterDryPrune == before, "prune --dry-run changed the repository:\n\(stateChanges(before, afterDryPrune))")
            let prune = try workspace.repo("prune", "--json")
            #expect(prune.status == 0, "\(prune)")
            for key in ["snapshots", "blobs_in_use", "unused_packs", "repacked_packs", "repacked_blobs", "deleted_packs", "deleted_bytes"] {
                #expect(int(dryPrune.object, key) != nil && int(dryPrune.object, key) == int(prune.object, key),
                        "prune --dry-run must predict \(key): \(dryPrune.out) vs \(prune.out)")
            }
            #expect((int(prune.object, "deleted_packs") ?? 0) > 0, "version 4's own data goes: \(prune)")
            let freed2 = (int(prune.object, "deleted_bytes") ?? -1) - (int(prune.object, "rewritten_bytes") ?? -1)
            #expect(bytesBefore2 - packBytes(repository) == freed2, "\(prune)")
        }

        /// A prune right after a prune has nothing to do; the last version still restores.
        private func pruneAgainHasNothingToDo(_ workspace: Workspace, last: Version, source: String) throws {
            let again = try workspace.repo("prune", "--json")
            #expect(again.status == 0, "\(again)")
            for key in ["unused_packs", "repacked_packs", "unindexed_packs", "deleted_packs", "condemned_packs", "missing_packs"] {
                #expect(int(again.object, key) == 0, "\(key) after a complete prune: \(again)")
            }
            let finalCheck = try workspace.repo("check", "--read-data")
            #expect(finalCheck.status == 0, "\(finalCheck)")
            let differences = try restoreDifferences(workspace, id: last.id, source: source, expected: last.copy, label: "last")
            #expect(differences.isEmpty, "the last version after two prunes:\n\(report(differences))")
        }
    }
}
