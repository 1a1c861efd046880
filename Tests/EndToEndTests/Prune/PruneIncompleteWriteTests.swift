import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension PruneTests {
    /// 6. Writes cut short (a snapshot SIGKILLed mid-write) leave temporary files that no
    /// index lists: prune removes those a day old and leaves younger ones, which may belong
    /// to a write still in progress. A dry run removes none.
    @Suite struct PruneIncompleteWriteTests {
        @Test func dayOldTemporaryFilesGo() throws {
            let workspace = try Workspace("prune-incomplete")
            defer { workspace.remove() }
            try workspace.initRepository()
            let source = workspace.path("src")
            var random = SeededRandom(seed: 77)
            try writeRandomFiles(source, prefix: "f", count: 3, sizes: 10_000...50_000, random: &random)
            let snapshot = try workspace.repo("snapshot", source)
            try #require(snapshot.status == 0, "\(snapshot)")

            let repository = workspace.repository
            /// A temporary file as a write cut short leaves it, last modified `age` seconds ago.
            func leftover(_ relative: String, age: Int) throws -> String {
                let path = repository + "/" + relative
                try FS.writeFile(Array(path.utf8), random.bytes(1000), mode: 0o600)
                try FS.setTimes(Array(path.utf8), seconds: Int(Date().timeIntervalSince1970) - age, nanoseconds: 0)
                return path
            }
            let old = try leftover("data/3f/.tmp-0123456789abcdef", age: 2 * 86400)
            let fresh = try leftover("index/.tmp-fedcba9876543210", age: 3600)

            let dryRun = try workspace.repo("prune", "--dry-run", "--json")
            #expect(dryRun.status == 0 && int(dryRun.object, "incomplete_writes_removed") == 0, "\(dryRun)")
            #expect(FS.exists(Array(old.utf8)), "a dry run removes nothing")
            let prune = try workspace.repo("prune", "--json")
            #expect(prune.status == 0 && int(prune.object, "incomplete_writes_removed") == 1, "\(prune)")
            #expect(!FS.exists(Array(old.utf8)), "a day-old temporary file goes")
            #expect(FS.exists(Array(fresh.utf8)), "an hour-old one may be a write in progress: it stays")

            _ = try leftover("tree/00/.tmp-00000000000000ff", age: 3 * 86400)
            let text = try workspace.repo("prune")
            #expect(text.status == 0 && text.out.contains("removed 1 incomplete write ("), "\(text)")
            let quiet = try workspace.repo("prune")
            #expect(quiet.status == 0 && !quiet.out.contains("incomplete writes"), "said only when something went: \(quiet)")
            let check = try workspace.repo("check")
            #expect(check.status == 0, "\(check)")
        }
    }
}
