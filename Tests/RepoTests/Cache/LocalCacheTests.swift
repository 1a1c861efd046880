import Dispatch
import Foundation
@testable import Repo
import TestSupport
import Testing

struct LocalCacheTests {
    let scratch: ScratchDirectory
    let repositoryID = String(repeating: "ab", count: 32)

    init() throws {
        scratch = try ScratchDirectory()
    }

    private var databasePath: String { "\(scratch.path)/\(repositoryID)/cache.sqlite" }

    private func openCache() throws -> LocalCache {
        try LocalCache(directory: scratch.path, repositoryID: repositoryID)
    }

    @Test func roundTrip() throws {
        let cache = try openCache()
        var objects = SeededGenerator(seed: 30)
        let large = objects.bytes(3 << 20)
        cache.put("index", "a", large)
        cache.put("index", "empty", [])
        cache.put("snapshots", "a", [1, 2, 3])
        #expect(cache.get("index", "a") == large)
        #expect(cache.get("index", "empty") == [])
        #expect(cache.get("snapshots", "a") == [1, 2, 3])
        #expect(cache.get("index", "missing") == nil)
        #expect(cache.get("keys", "a") == nil)
        cache.put("snapshots", "a", [4])
        #expect(cache.get("snapshots", "a") == [4], "a second put replaces")
        #expect(cache.lastError == nil)
        #expect(cache.path == databasePath)
    }

    @Test func persistsAcrossReopening() throws {
        try openCache().putAll("index", [("one", [1]), ("two", [2, 2])])
        let reopened = try openCache()
        #expect(reopened.get("index", "one") == [1])
        #expect(reopened.get("index", "two") == [2, 2])
    }

    @Test func listsIDsPerKind() throws {
        let cache = try openCache()
        #expect(cache.ids("index").isEmpty)
        cache.putAll("index", [("x", [1]), ("y", [2])])
        cache.put("snapshots", "z", [3])
        #expect(cache.ids("index") == ["x", "y"])
        #expect(cache.ids("snapshots") == ["z"])
    }

    @Test func removes() throws {
        let cache = try openCache()
        cache.putAll("index", [("x", [1]), ("y", [2]), ("z", [3])])
        cache.put("snapshots", "x", [4])
        cache.remove("index", ["x", "z", "never-cached"])
        #expect(cache.ids("index") == ["y"])
        #expect(cache.get("snapshots", "x") == [4], "other kinds keep their objects")
        cache.removeAll()
        #expect(cache.ids("index").isEmpty && cache.ids("snapshots").isEmpty)
        #expect(cache.lastError == nil)
    }

    @Test func aCorruptFileIsRecreated() throws {
        try openCache().put("index", "x", [1])
        var objects = SeededGenerator(seed: 31)
        #expect(FileManager.default.createFile(atPath: databasePath, contents: Data(objects.bytes(10_000))))
        let cache = try openCache()
        #expect(cache.ids("index").isEmpty)
        cache.put("index", "y", [2])
        #expect(cache.get("index", "y") == [2])
        #expect(cache.lastError == "cache \(databasePath): file is not a database; started afresh")
    }

    @Test func anUnknownSchemaVersionIsRecreated() throws {
        try openCache().put("index", "x", [1])
        try SQLiteConnection(path: databasePath, busyTimeout: 1000).execute("UPDATE schema SET version = 99")
        let cache = try openCache()
        #expect(cache.ids("index").isEmpty)
        #expect(cache.lastError == "cache \(databasePath): unknown cache schema version [99]; started afresh")
    }

    @Test func aForeignDatabaseIsRecreated() throws {
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/\(repositoryID)", withIntermediateDirectories: true)
        try SQLiteConnection(path: databasePath, busyTimeout: 1000).execute("CREATE TABLE other (x)")
        let cache = try openCache()
        cache.put("index", "x", [1])
        #expect(cache.get("index", "x") == [1])
    }

    /// Damage found inside a file that opened fine is reported, and the file replaced.
    @Test func damageFoundInUseIsReplaced() throws {
        var objects = SeededGenerator(seed: 33)
        try openCache().putAll("index", (0..<2000).map { _ in (objects.hexID(), objects.bytes(1000)) })
        // Keep the header, the table list and the schema table (pages 1 and 2 of 4 KiB);
        // overwrite the objects table.
        let file = try #require(FileHandle(forUpdatingAtPath: databasePath))
        let size = try file.seekToEnd()
        try file.seek(toOffset: 8192)
        try file.write(contentsOf: objects.bytes(Int(size) - 8192))
        try file.close()
        let cache = try openCache()
        #expect(cache.ids("index").isEmpty)
        #expect(cache.lastError?.contains("malformed") == true, "\(cache.lastError ?? "no error")")
        cache.put("index", "x", [1])
        #expect(cache.get("index", "x") == [1])
        #expect(cache.ids("index") == ["x"])
    }

    /// D2: a bit flipped inside a cached object, which SQLite cannot notice, is found by the
    /// digest kept beside it: the object answers "not cached" (the caller reads it from the
    /// repository again), is removed, and the damage is reported.
    @Test func anObjectDamagedInTheFileIsNotUsed() throws {
        var objects = SeededGenerator(seed: 34)
        let bytes = objects.bytes(4096)
        let cache = try openCache()
        cache.putAll("index", [("damaged", bytes), ("intact", [1, 2, 3])])
        try SQLiteConnection(path: databasePath, busyTimeout: 1000)
            .execute("UPDATE objects SET bytes = substr(bytes, 1, 99) || X'\(String(format: "%02x", bytes[99] ^ 0x10))' || substr(bytes, 101) WHERE id = 'damaged'")
        #expect(cache.get("index", "damaged") == nil)
        #expect(cache.lastError == "cache \(databasePath): index damaged was damaged in the cache; read again from the repository")
        #expect(cache.ids("index") == ["intact"], "the damaged copy is gone")
        #expect(cache.get("index", "intact") == [1, 2, 3])
        cache.put("index", "damaged", bytes)
        #expect(cache.get("index", "damaged") == bytes)
    }

    /// Failures make the cache answer "not cached" and ignore writes, never fail the caller.
    @Test func failuresAreReportedNotThrown() throws {
        let cache = try openCache()
        cache.put("index", "x", [1])
        try SQLiteConnection(path: databasePath, busyTimeout: 1000).execute("DROP TABLE objects")
        #expect(cache.get("index", "x") == nil)
        cache.put("index", "y", [2])
        cache.remove("index", ["x"])
        cache.removeAll()
        #expect(cache.ids("index").isEmpty)
        #expect(cache.lastError?.contains("no such table: objects") == true, "\(cache.lastError ?? "no error")")
    }

    @Test func filesArePrivate() throws {
        _ = try openCache()
        let manager = FileManager.default
        let directory = try manager.attributesOfItem(atPath: "\(scratch.path)/\(repositoryID)")
        let file = try manager.attributesOfItem(atPath: databasePath)
        #expect(directory[.posixPermissions] as? Int == 0o700)
        #expect(file[.posixPermissions] as? Int == 0o600)
    }

    @Test func createsMissingParentDirectories() throws {
        let cache = try LocalCache(directory: "\(scratch.path)/a/b/c", repositoryID: repositoryID)
        cache.put("index", "x", [1])
        #expect(cache.get("index", "x") == [1])
    }

    @Test(arguments: ["", ".", "..", "a/b", "../escape"])
    func refusesRepositoryIDsThatAreNotOneDirectory(_ id: String) throws {
        #expect(throws: CacheError.invalidRepositoryID(id)) { try LocalCache(directory: scratch.path, repositoryID: id) }
    }

    @Test func reportsADirectoryItCannotCreate() throws {
        let blocker = "\(scratch.path)/file"
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data()))
        #expect(throws: CacheError.cannotCreateDirectory(path: "\(blocker)/\(repositoryID)", errno: ENOTDIR)) {
            try LocalCache(directory: blocker, repositoryID: repositoryID)
        }
    }

    /// Two instances on one file, used from two threads at once, as two processes backing
    /// up to one repository would: nothing lost, nothing failed, the file intact.
    @Test func twoInstancesShareAFile() throws {
        let caches = [try openCache(), try openCache()]
        DispatchQueue.concurrentPerform(iterations: 2) { instance in
            let cache = caches[instance]
            for item in 0..<300 {
                let id = "\(instance)-\(item)"
                if item % 50 == 0 {
                    cache.putAll("index", (0..<20).map { ("\(id)-batch-\($0)", [UInt8(instance)]) })
                } else {
                    cache.put("index", id, [UInt8(instance), UInt8(item % 256)])
                }
                _ = cache.get("index", "\(1 - instance)-\(item)")
            }
        }
        #expect(caches.allSatisfy { $0.lastError == nil }, "\(caches.map(\.lastError))")
        let reopened = try openCache()
        #expect(reopened.ids("index").count == 2 * (294 + 6 * 20))
        #expect(reopened.get("index", "1-299") == [1, 43])
        let check = try SQLiteConnection(path: databasePath, busyTimeout: 1000).prepare("PRAGMA integrity_check")
        #expect(try check.step())
        #expect(check.text(at: 0) == "ok")
    }

    @Test func tenThousandObjectsInOneBatch() throws {
        let cache = try openCache()
        var objects = SeededGenerator(seed: 32)
        let items = (0..<10_000).map { _ in (objects.hexID(), objects.bytes(200)) }
        let elapsed = ContinuousClock().measure { cache.putAll("index", items) }
        #expect(cache.lastError == nil)
        #expect(cache.ids("index").count == 10_000)
        #expect(elapsed < .seconds(3), "10,000 puts took \(elapsed)")
    }

    @Test func defaultDirectoryFollowsXDG() {
        #expect(LocalCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/var/cache/me"], home: "/home/me") == "/var/cache/me/repo")
        #expect(LocalCache.defaultDirectory(environment: [:], home: "/home/me") == "/home/me/.cache/repo")
        #expect(LocalCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "relative"], home: "/home/me") == "/home/me/.cache/repo")
        #expect(LocalCache.defaultDirectory().hasSuffix("/repo"))
    }
}
