import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct KeyTests {
    /// 11. Adding a password, changing the one in use, and refusing to remove the key in use.
    @Test func addChangeAndRemoveKeys() throws {
        let workspace = try Workspace("keys", password: "first-password-e2e")
        defer { workspace.remove() }
        try workspace.initRepository()
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        try FS.writeFile(Array((source + "/file").utf8), Array("content\n".utf8))
        #expect(try workspace.repo("snapshot", source).status == 0)

        let second = "second-password-e2e", third = "third-password-e2e"
        let secondFile = workspace.path("second"), thirdFile = workspace.path("third")
        try FS.writeFile(Array(secondFile.utf8), Array((second + "\n").utf8))
        try FS.writeFile(Array(thirdFile.utf8), Array((third + "\n").utf8))

        let add = try workspace.repo("key", "add", "--new-password-file", secondFile)
        #expect(add.status == 0, "\(add)")
        let withSecond = try workspace.repo(["snapshots", "--json"], environment: ["REPO_PASSWORD": second])
        #expect(withSecond.status == 0, "the new password opens the repository: \(withSecond)")
        #expect(withSecond.array.count == 1)

        let list = try workspace.repo("key", "list", "--json")
        #expect(list.status == 0, "\(list)")
        #expect(list.array.count == 2, "two keys: \(list)")
        let plainList = try workspace.repo("key", "list")
        #expect(plainList.stdoutLines.count == 2, "\(plainList)")

        // Change the second password (the key in use) to a third.
        let passwd = try workspace.repo(["key", "passwd", "--new-password-file", thirdFile], environment: ["REPO_PASSWORD": second])
        #expect(passwd.status == 0, "\(passwd)")
        let withThird = try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD": third])
        #expect(withThird.status == 0, "\(withThird)")
        let secondGone = try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD": second])
        #expect(secondGone.status == 12, "the replaced password no longer opens the repository: \(secondGone)")
        #expect(try workspace.repo("snapshots").status == 0, "the first password still works")
        let afterPasswd = try workspace.repo(["key", "list", "--json"], environment: ["REPO_PASSWORD": third])
        #expect(afterPasswd.array.count == 2, "passwd replaces the key, it does not add one: \(afterPasswd)")

        // The key in use cannot be removed.
        let current = try #require(afterPasswd.array.first { $0["current"] as? Bool == true }?["id"] as? String, "\(afterPasswd)")
        let other = try #require(afterPasswd.array.first { $0["current"] as? Bool != true }?["id"] as? String, "\(afterPasswd)")
        let removeCurrent = try workspace.repo(["key", "remove", current], environment: ["REPO_PASSWORD": third])
        #expect(removeCurrent.status != 0, "removing the key in use is refused: \(removeCurrent)")
        #expect(removeCurrent.stderrLines.count == 1 && removeCurrent.err.contains("key"), "a clear message: \(removeCurrent)")
        #expect(try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD": third]).status == 0)

        // Another key can be removed (by a prefix of its id); then its password is gone.
        let removeOther = try workspace.repo(["key", "remove", String(other.prefix(8))], environment: ["REPO_PASSWORD": third])
        #expect(removeOther.status == 0, "\(removeOther)")
        #expect(try workspace.repo("snapshots").status == 12, "the first password's key was removed")
        let last = try workspace.repo(["key", "list", "--json"], environment: ["REPO_PASSWORD": third])
        #expect(last.array.count == 1, "\(last)")

        for run in [add, withSecond, list, plainList, passwd, withThird, removeCurrent, removeOther] {
            for password in [workspace.password, second, third] {
                #expect(!run.combined.contains(password), "a password is printed by \(run)")
            }
        }
    }
}

@Suite struct ListingTests {
    /// 12. `ls -l`, `diff` and `stats --json` on small trees.
    @Test func lsDiffAndStats() throws {
        let workspace = try Workspace("listing")
        defer { workspace.remove() }
        let source = workspace.path("src")
        let bytes = { (path: String) in Array((source + "/" + path).utf8) }
        try FS.mkdir(Array(source.utf8))
        try FS.mkdir(bytes("dir"))
        try FS.writeFile(bytes("removed.txt"), Array("to be removed\n".utf8))
        try FS.writeFile(bytes("modified.txt"), Array("version one\n".utf8))
        var random = SeededRandom(seed: 12)
        try FS.writeFile(bytes("same.bin"), random.bytes(300_000))
        try FS.writeFile(bytes("dir/private.txt"), Array("0640\n".utf8), mode: 0o640)
        try FS.chmod(bytes("dir/private.txt"), 0o640)
        try FS.symlink(Array("../same.bin".utf8), at: bytes("dir/link"))
        try FS.setTimes(bytes("modified.txt"), seconds: 1_000_000_000, nanoseconds: 5)
        try workspace.initRepository()

        let first = try workspace.repo("snapshot", "--json", source)
        #expect(first.status == 0, "\(first)")
        let firstID = try #require(first.object["snapshot"] as? String)

        let ls = try workspace.repo("ls", "-l", "latest")
        #expect(ls.status == 0, "\(ls)")
        func line(_ path: String) -> String? { ls.stdoutLines.first { $0.hasSuffix(" " + source + "/" + path) || $0.contains(" " + source + "/" + path + " -> ") } }
        let privateLine = try #require(line("dir/private.txt"), "\(ls.out)")
        #expect(privateLine.hasPrefix("-rw-r-----"), "\(privateLine)")
        #expect(privateLine.contains(" 5 "), "the size: \(privateLine)")
        let linkLine = try #require(line("dir/link"), "\(ls.out)")
        #expect(linkLine.hasPrefix("l") && linkLine.hasSuffix(" -> ../same.bin"), "\(linkLine)")
        let dirLine = try #require(line("dir"), "\(ls.out)")
        #expect(dirLine.hasPrefix("drwx"), "\(dirLine)")
        let modifiedLine = try #require(line("modified.txt"), "\(ls.out)")
        #expect(modifiedLine.contains("2001-09-09"), "the mtime (2001-09-09 01:46:40 UTC): \(modifiedLine)")
        if geteuid() == 0 { #expect(modifiedLine.contains("root/root"), "the owner: \(modifiedLine)") }
        let sub = try workspace.repo("ls", "latest", source + "/dir")
        #expect(sub.status == 0, "\(sub)")
        #expect(Set(sub.stdoutLines).isSuperset(of: [source + "/dir/private.txt", source + "/dir/link"]), "\(sub)")
        #expect(!sub.out.contains("same.bin") && !sub.out.contains("modified.txt"), "only the directory's entries: \(sub)")

        // Change the tree: remove one, add one, modify one (content).
        try FS.unlink(bytes("removed.txt"))
        try FS.writeFile(bytes("added.txt"), Array("new\n".utf8))
        try FS.writeFile(bytes("modified.txt"), Array("version two, longer\n".utf8))
        let second = try workspace.repo("snapshot", "--json", source)
        #expect(second.status == 0, "\(second)")
        let secondID = try #require(second.object["snapshot"] as? String)

        let diff = try workspace.repo("diff", firstID, secondID)
        #expect(diff.status == 0, "\(diff)")
        func has(_ kind: String, _ path: String) -> Bool {
            diff.stdoutLines.contains { $0.hasPrefix(kind) && $0.hasSuffix(" " + source + "/" + path) }
        }
        #expect(has("+", "added.txt"), "\(diff.out)")
        #expect(has("-", "removed.txt"), "\(diff.out)")
        #expect(has("M", "modified.txt"), "\(diff.out)")
        #expect(!diff.out.contains("same.bin"), "unchanged files are not listed: \(diff.out)")
        #expect(!diff.out.contains("private.txt"), "\(diff.out)")
        let reverse = try workspace.repo("diff", String(secondID.prefix(8)), String(firstID.prefix(8)))
        #expect(reverse.stdoutLines.contains { $0.hasPrefix("-") && $0.hasSuffix(source + "/added.txt") }, "\(reverse.out)")

        let stats = try workspace.repo("stats", "--json")
        #expect(stats.status == 0, "\(stats)")
        let logical = try #require(int(stats.object, "logical_bytes"), "\(stats)")
        let unique = try #require(int(stats.object, "unique_bytes"), "\(stats)")
        let ratio = try #require(double(stats.object, "dedup_ratio"), "\(stats)")
        #expect(unique > 0 && logical >= unique, "\(stats)")
        #expect(ratio >= 1, "\(stats)")
        #expect(ratio > 1.5, "two snapshots of nearly the same tree deduplicate: \(stats)")
        #expect(int(stats.object, "snapshots") == 2, "\(stats)")
        #expect(logical >= 2 * 300_000, "\(stats)")
        let one = try workspace.repo("stats", "--json", firstID)
        #expect(one.status == 0 && int(one.object, "snapshots") == 1, "\(one)")
    }
}
