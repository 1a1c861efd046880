import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15: `key remove` takes the exclusive lock (D1); `check` reports damaged key files
/// (D7) and key files of another repository, which opening skips (D12).
@Suite struct KeyHardeningTests {
    /// D1: while a snapshot holds its shared lock, `key remove` (exclusive) fails with 11 and
    /// `key add` (shared) goes ahead; once the snapshot is done the removal works.
    @Test func keyRemoveTakesTheExclusiveLock() throws {
        let workspace = try Workspace("key-lock")
        defer { workspace.remove() }
        try workspace.initRepository()
        let secondFile = workspace.path("second"), thirdFile = workspace.path("third")
        try FS.writeFile(Array(secondFile.utf8), Array("second-password\n".utf8))
        try FS.writeFile(Array(thirdFile.utf8), Array("third-password\n".utf8))
        #expect(try workspace.repo("key", "add", "--new-password-file", secondFile).status == 0)
        let listed = try workspace.repo(["key", "list", "--json"], environment: ["REPO_PASSWORD": "second-password"])
        let second = try #require(listed.array.first { $0["current"] as? Bool == true }?["id"] as? String, "\(listed)")

        let holder = try workspace.start(["snapshot", "--stdin-from-command", "--", "sh", "-c", "sleep 6; echo data"])
        defer { holder.kill(SIGKILL); _ = holder.wait() }  // only if a requirement failed first
        try #require(waitUntil(timeout: 30) { !lockIDs(workspace.repository).isEmpty }, "the snapshot should hold its lock")

        let locked = try workspace.repo("key", "remove", String(second.prefix(8)), "--lock-wait", "1s")
        #expect(locked.status == 11, "\(locked)")
        #expect(locked.err.contains("locked"), "\(locked)")
        let added = try workspace.repo("key", "add", "--new-password-file", thirdFile)
        #expect(added.status == 0, "key add takes a shared lock: \(added)")
        #expect(holder.wait().status == 0)

        let removed = try workspace.repo("key", "remove", String(second.prefix(8)))
        #expect(removed.status == 0, "\(removed)")
        #expect(try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD": "second-password"]).status == 12)
    }

    /// D12 and D7: a key file of another repository with the same password does not stop
    /// commands, and `check` names it; a damaged key file makes `check` fail with 13.
    @Test func foreignAndDamagedKeysInCheck() throws {
        let mine = try Workspace("key-foreign-a", password: "same-password")
        let theirs = try Workspace("key-foreign-b", password: "same-password")
        defer { mine.remove(); theirs.remove() }
        try mine.initRepository()
        try theirs.initRepository()
        let own = try #require(objectIDs(mine.repository, "keys").first)
        let foreign = try #require(objectIDs(theirs.repository, "keys").first)
        let target = mine
        // Listed first, the foreign key is the first one tried (as the library tests do
        // deterministically; here it depends on the file system's directory order).
        _ = try listFirst(foreign, try FS.readFile(Array((theirs.repository + "/keys/" + foreign).utf8)), before: own,
                          in: mine.repository + "/keys")

        let snapshots = try target.repo("snapshots")
        #expect(snapshots.status == 0, "the foreign key is skipped: \(snapshots)")
        let check = try target.repo("check")
        #expect(check.status == 13, "\(check)")
        #expect(check.err.contains("keys/\(foreign) opens with this password but not this repository's config: a key of another repository"), "\(check)")

        // A damaged key file: one byte of its sealed part changed.
        let path = Array((target.repository + "/keys/" + foreign).utf8)
        var damaged = try FS.readFile(path)
        let sealed = try #require(String(decoding: damaged, as: UTF8.self).range(of: "\"sealed\":\"")).upperBound.utf16Offset(in: String(decoding: damaged, as: UTF8.self))
        damaged[sealed + 4] = damaged[sealed + 4] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        try FS.writeFile(path, damaged)
        let damagedCheck = try target.repo("check")
        #expect(damagedCheck.status == 13, "\(damagedCheck)")
        #expect(damagedCheck.err.contains("keys/\(foreign): content does not match its name"), "\(damagedCheck)")
        #expect(damagedCheck.err.contains("repo key remove \(foreign.prefix(8))"), "\(damagedCheck)")
    }
}

/// Writes key file `name` into `directory`, trying to have it listed (in directory order, as
/// `repo` reads it) before `own`, which opening would otherwise try first: the order depends
/// on the file system (creation order, newest first, hashed), so both orders are tried.
/// Whether it is listed first.
private func listFirst(_ name: String, _ bytes: [UInt8], before own: String, in directory: String) throws -> Bool {
    let ownBytes = try FS.readFile(Array((directory + "/" + own).utf8))
    for nameFirst in [true, false] {
        unlink(directory + "/" + name)
        unlink(directory + "/" + own)
        for (file, content) in nameFirst ? [(name, bytes), (own, ownBytes)] : [(own, ownBytes), (name, bytes)] {
            try FS.writeFile(Array((directory + "/" + file).utf8), content)
        }
        if directoryOrder(directory).first == name { return true }
    }
    return false
}

/// The names in `directory` in the order readdir gives them.
private func directoryOrder(_ directory: String) -> [String] {
    guard let stream = opendir(directory) else { return [] }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
