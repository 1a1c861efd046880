import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct IncrementalTests {
    /// 2. Three snapshots with changes between them: each restores to the tree as it was
    /// then, unchanged files are recognised as unchanged, and later snapshots add little.
    @Test func threeSnapshotsWithChanges() throws {
        let workspace = try Workspace("incremental")
        defer { workspace.remove() }
        let source = workspace.path("source")
        var spec = TreeSpec(seed: 2)
        spec.tinyFiles = 400
        spec.randomFileSizes = [1_500_000]
        spec.textFileSizes = [2_000_000]
        spec.sparseSize = 0
        let tree = try TreeGenerator.generate(at: source, spec)
        try workspace.initRepository()
        let root = tree.rootBytes
        func at(_ relative: [UInt8]) -> [UInt8] { FS.join(root, relative) }

        var ids: [String] = []
        var summaries: [[String: Any]] = []
        var states: [String] = []  // a restore of each snapshot taken right after it, checked against the live tree

        func takeSnapshot(_ label: String) throws {
            let result = try workspace.repo("snapshot", "--json", source)
            #expect(result.status == 0, "\(label): \(result)")
            let id = try #require(result.object["snapshot"] as? String, "\(label): \(result)")
            ids.append(id)
            summaries.append(result.object)
            let target = workspace.path("state-\(ids.count)")
            let restore = try workspace.repo("restore", id, "--target", target)
            #expect(restore.status == 0, "\(label): \(restore)")
            let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
            #expect(differences.isEmpty, "\(label) does not restore to the tree as it was:\n\(report(differences))")
            states.append(target)
        }

        // Snapshot 1: the initial tree.
        let files1 = try TreeGenerator.regularFiles(under: source).count
        try takeSnapshot("snapshot 1")
        #expect(int(summaries[0], "files_new") == files1, "\(summaries[0])")

        // Changes: edit the middle of a file, append to one, delete one, add three.
        let plain = tree.plainFiles.filter { !tree.textFiles.contains($0) && !tree.randomFiles.contains($0) }
        let edited = try #require(tree.textFiles.first)
        let size = Int(try FS.lstat(at(edited)).st_size)
        try FS.patch(at(edited), at: size / 2, Array("-- edited in the middle --".utf8))
        let appended = plain[plain.count / 3]
        try FS.append(at(appended), Array("appended line\n".utf8))
        let deleted = plain[plain.count / 2]
        try FS.unlink(at(deleted))
        let added = Array("added".utf8)
        try FS.mkdir(at(added))
        for index in 0..<3 { try FS.writeFile(FS.join(at(added), "new-\(index).txt"), Array("new file \(index)\n".utf8)) }

        let files2 = try TreeGenerator.regularFiles(under: source).count
        #expect(files2 == files1 - 1 + 3)
        try takeSnapshot("snapshot 2")
        let second = summaries[1]
        #expect(int(second, "files_new") == 3, "\(second)")
        #expect(int(second, "files_changed") == 2, "the edited and the appended file: \(second)")
        #expect(int(second, "files_unchanged") == files1 - 3, "every file but the edited, appended and deleted: \(second)")
        #expect((int(second, "bytes_added") ?? .max) < (int(summaries[0], "bytes_added") ?? 0) / 10, "\(second) against \(summaries[0])")

        // Changes: chmod one, rename a directory, replace a file by a symlink.
        let chmodded = plain[plain.count / 4]
        try FS.chmod(at(chmodded), 0o600)
        let renamedDirectory = try #require(tree.directories.first { $0.starts(with: Array("d0-".utf8)) && !$0.contains(UInt8(ascii: "/")) })
        let renamedTo = Array("renamed-directory".utf8)
        let movedFiles = try TreeGenerator.regularFiles(under: String(decoding: at(renamedDirectory), as: UTF8.self)).count
        try #require(!chmodded.starts(with: renamedDirectory + [UInt8(ascii: "/")]),
                     "the chmodded file must lie outside the renamed directory for the counts below")
        try FS.rename(at(renamedDirectory), at(renamedTo))
        let replaced = plain.first { candidate in
            ![edited, appended, deleted, chmodded].contains(candidate) && !candidate.starts(with: renamedDirectory + [UInt8(ascii: "/")])
                && candidate.contains(UInt8(ascii: "/")) == false
        }
        let replacedPath = try #require(replaced)
        try FS.unlink(at(replacedPath))
        try FS.symlink(Array("hello.txt".utf8), at: at(replacedPath))

        let files3 = try TreeGenerator.regularFiles(under: source).count
        #expect(files3 == files2 - 1)
        try takeSnapshot("snapshot 3")
        let third = summaries[2]
        let untouched = files2 - 1 - movedFiles - 1  // minus the chmodded, the moved and the replaced
        #expect(int(third, "files_new") == movedFiles, "the files of the renamed directory have new paths: \(third)")
        let unchanged3 = int(third, "files_unchanged") ?? -1
        #expect(unchanged3 >= untouched && unchanged3 <= untouched + 1,
                "\(untouched) untouched files (+1 if a chmod counts as unchanged): \(third)")
        #expect((int(third, "files_new") ?? 0) + (int(third, "files_changed") ?? 0) + unchanged3 == files3, "\(third)")
        #expect((int(third, "bytes_added") ?? .max) < (int(summaries[0], "bytes_added") ?? 0) / 10, "\(third) against \(summaries[0])")

        // Each snapshot, restored again now (after later snapshots), is the tree it was.
        for (index, id) in ids.enumerated() {
            let target = workspace.path("again-\(index + 1)")
            let restore = try workspace.repo("restore", id, "--target", target)
            #expect(restore.status == 0, "\(restore)")
            let differences = TreeComparer.compare(restoredPath(of: source, in: states[index]), restoredPath(of: source, in: target))
            #expect(differences.isEmpty, "snapshot \(index + 1) restored later differs:\n\(report(differences))")
        }

        let list = try snapshotList(workspace)
        #expect(list.count == 3)
        #expect(list.last?["parent"] as? String == ids[1], "the third snapshot's parent is the second")
        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 0, "\(check)")
    }
}
