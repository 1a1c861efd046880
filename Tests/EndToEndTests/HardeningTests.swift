import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Restores the latest snapshot into the workspace's `restore` and expects `source` there
/// unchanged.
func expectLatestRestores(_ workspace: Workspace, _ source: String) throws {
    let target = workspace.path("restore")
    let restore = try workspace.repo("restore", "latest", "--target", target)
    #expect(restore.status == 0, "\(restore)")
    let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
    #expect(differences.isEmpty, "\(report(differences))")
}

/// Issue 15 (hardening): damage that used to pass unnoticed.
@Suite struct HardeningTests {
    /// A workspace with an initialised repository, and an empty source directory in it.
    static func repositoryAndSource(_ label: String) throws -> (Workspace, String) {
        let workspace = try Workspace(label)
        try workspace.initRepository()
        let source = workspace.path("src")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        return (workspace, source)
    }

    /// `count` random bytes (which do not deduplicate).
    static func randomData(_ count: Int) -> Data {
        var random = SystemRandomNumberGenerator()
        let words = (0..<(count + 7) / 8).map { _ in random.next() }
        return words.withUnsafeBytes { Data($0.prefix(count)) }
    }

    /// D3. Two snapshot objects swapped: their names no longer match their bytes. `check`
    /// reports both as damaged (exit 13) and `restore ID` refuses instead of restoring the
    /// other snapshot.
    @Test func swappedSnapshotObjectsAreDamage() throws {
        let workspace = try Workspace("swap-snapshots")
        defer { workspace.remove() }
        try workspace.initRepository()
        try snapshotSmallDirectories(workspace, ["a", "b"])
        let directory = workspace.repository + "/snapshots"
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.count == 64 }.sorted()
        try #require(names.count == 2)
        let first = directory + "/" + names[0], second = directory + "/" + names[1]
        try FileManager.default.moveItem(atPath: first, toPath: first + ".swap")
        try FileManager.default.moveItem(atPath: second, toPath: first)
        try FileManager.default.moveItem(atPath: first + ".swap", toPath: second)

        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 13, "\(check)")
        #expect(check.combined.contains("snapshots/\(names[0])") && check.combined.contains("snapshots/\(names[1])"), "\(check)")
        let restore = try workspace.repo("restore", names[0], "--target", workspace.path("restored"))
        #expect(restore.status == 13, "\(restore)")
        // Listing snapshots to resolve the id meets a damaged one first, either of the two.
        #expect(names.contains { restore.combined.contains("snapshots/\($0) is damaged") }, "\(restore)")
    }

    /// D2/D3. An index object damaged after the local cache holds its plaintext: `check`
    /// reads index objects from storage and reports it.
    @Test func damagedIndexIsNotHiddenByTheCache() throws {
        let (workspace, source) = try Self.repositoryAndSource("index-damage")
        defer { workspace.remove() }
        try Data(repeating: 7, count: 100_000).write(to: URL(fileURLWithPath: source + "/file"))
        let snapshot = try workspace.repo("snapshot", source)
        #expect(snapshot.status == 0, "\(snapshot)")
        let clean = try workspace.repo("check")
        #expect(clean.status == 0, "\(clean)")

        let directory = workspace.repository + "/index"
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.count == 64 }
        let name = try #require(names.first)
        let path = directory + "/" + name
        let size = Int(try FS.lstat(Array(path.utf8)).st_size)
        try flipBit(in: path, at: size / 2)

        let check = try workspace.repo("check")
        #expect(check.status == 13, "\(check)")
        #expect(check.combined.contains("index/\(name)"), "\(check)")
    }

    /// D2. The cache itself damaged: a bit flipped in a cached index object (in a pack id,
    /// which SQLite cannot notice) is found by the digest the cache keeps, and the object is
    /// read from the repository again: restore and check work as with no cache.
    @Test func damagedCacheEntriesAreReadAgain() throws {
        let (workspace, source) = try Self.repositoryAndSource("cache-damage")
        defer { workspace.remove() }
        try Self.randomData(2_000_000).write(to: URL(fileURLWithPath: source + "/file"))
        let snapshot = try workspace.repo("snapshot", source)
        #expect(snapshot.status == 0, "\(snapshot)")
        let cached = FileManager.default.enumerator(atPath: workspace.cache)?.compactMap { $0 as? String } ?? []
        let database = workspace.cache + "/" + (try #require(cached.first { $0.hasSuffix("cache.sqlite") }))
        // Byte 10 of an index object lies in its first pack's id (after "RIDX", the version
        // and the pack count).
        let flip = try runProgram("/usr/bin/sqlite3", [database, """
            UPDATE objects SET bytes = substr(bytes, 1, 10) || X'5A' || substr(bytes, 12)
                WHERE kind = 'index' AND substr(bytes, 11, 1) != X'5A';
            SELECT changes();
            """])
        #expect(flip.status == 0 && !flip.out.hasPrefix("0"), "\(flip)")

        try expectLatestRestores(workspace, source)
        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 0, "\(check)")
    }

    /// D5. A pack deleted behind the repository's back: the next snapshot does not reuse
    /// the blobs it held but stores them again, and can be restored.
    @Test func blobsOfMissingPacksAreStoredAgain() throws {
        let (workspace, source) = try Self.repositoryAndSource("missing-pack")
        defer { workspace.remove() }
        try Self.randomData(3_000_000).write(to: URL(fileURLWithPath: source + "/file"))
        let first = try workspace.repo("snapshot", source)
        #expect(first.status == 0, "\(first)")
        let packs = try packFiles(in: workspace.repository + "/data")
        try #require(!packs.isEmpty)
        for pack in packs { try FileManager.default.removeItem(atPath: pack.path) }

        let second = try workspace.repo("snapshot", "--force", "--json", source)
        #expect(second.status == 0, "\(second)")
        #expect((int(second.object, "blobs_added") ?? 0) > 0, "the data is stored again: \(second)")
        #expect(try packFiles(in: workspace.repository + "/data").reduce(0) { $0 + $1.size } > 3_000_000, "\(second)")

        // The index still lists the lost pack beside the new copy: restore reads the copy.
        try expectLatestRestores(workspace, source)
    }

    /// D6. A file truncated while `repo snapshot` reads it: whenever the stored size is
    /// neither the old nor the new one, the snapshot is partial (exit 3) and says which
    /// file changed. Retried until the truncation lands mid-read.
    @Test func fileTruncatedWhileReadMakesThePartialSnapshot() throws {
        let (workspace, source) = try Self.repositoryAndSource("truncated")
        defer { workspace.remove() }
        let file = source + "/big"
        let full = 30_000_000, cut = 7_000_000
        var landed = false
        for attempt in 0..<12 where !landed {
            try Self.randomData(full).write(to: URL(fileURLWithPath: file))
            let child = try workspace.start(["snapshot", "--force", "--json", source])
            usleep(UInt32(50_000 + attempt * 40_000))
            truncate(file, off_t(cut))
            let result = child.wait()
            guard result.status == 0 || result.status == 3 else {
                Issue.record("snapshot failed: \(result)")
                return
            }
            let listing = try workspace.repo("ls", "--json", "latest", file)
            let stored = listing.out.split(separator: "\n").compactMap { line -> Int? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      (object["path"] as? String) == file else { return nil }
                return int(object, "size")
            }.first
            if let stored, stored != full, stored != cut {
                landed = true
                #expect(result.status == 3, "stored \(stored) bytes: \(result)")
                #expect(result.combined.contains("\(file): changed while it was read"), "\(result)")
            }
        }
        #expect(landed, "the truncation never landed mid-read")
    }
}
