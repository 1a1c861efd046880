import Foundation
import Testing

/// `repo key rotate`, `key list --generations` and `prune --reseal` (docs/guide.md, "Key
/// rotation"): new packs under a new pack key generation, old ones readable, every password
/// still working, and a repository never rotated left exactly as it was.
@Suite struct KeyRotationTests {
    /// A tree of `seed`'s own incompressible and text bytes, plus `shared` (deduplicated
    /// across snapshots).
    static func makeSource(_ workspace: Workspace, _ name: String, seed: UInt64, shared: [UInt8]) throws -> String {
        let source = workspace.path(name)
        try FS.mkdir(Array(source.utf8))
        var random = SeededRandom(seed: seed)
        try FS.writeFile(Array((source + "/random.bin").utf8), random.bytes(1_500_000))
        try FS.writeFile(Array((source + "/notes.txt").utf8), random.text(300_000))
        try FS.writeFile(Array((source + "/shared.bin").utf8), shared)
        return source
    }

    /// The version byte (offset 4) and, for version 2, the generation of every stored pack.
    static func packHeaders(_ workspace: Workspace) throws -> [(version: UInt8, generation: UInt32)] {
        var found: [(UInt8, UInt32)] = []
        for kind in ["data", "tree"] {
            let root = workspace.repository + "/" + kind
            for shard in try FileManager.default.contentsOfDirectory(atPath: root) {
                for name in try FileManager.default.contentsOfDirectory(atPath: root + "/" + shard) where !name.hasPrefix(".") {
                    let bytes = try FS.readFile(Array((root + "/" + shard + "/" + name).utf8))
                    let generation = bytes[4] == 2 ? (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[5 + $1]) << UInt32(8 * $1) } : 0
                    found.append((bytes[4], generation))
                }
            }
        }
        return found
    }

    /// Packs per generation, from `key list --generations --json`.
    static func generations(_ workspace: Workspace, environment: [String: String?] = [:]) throws -> [UInt32: (packs: Int, current: Bool)] {
        let listed = try workspace.repo(["key", "list", "--generations", "--json"], environment: environment)
        #expect(listed.status == 0, "\(listed)")
        var result: [UInt32: (Int, Bool)] = [:]
        for entry in listed.array {
            result[UInt32(int(entry, "generation") ?? -1)] = (int(entry, "packs") ?? -1, entry["current"] as? Bool ?? false)
        }
        return result
    }

    static func expectRestores(_ workspace: Workspace, _ snapshot: String, _ source: String, as label: String,
                               environment: [String: String?] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let target = workspace.path("restore-\(label)")
        let restore = try workspace.repo(["restore", snapshot, "--target", target], environment: environment)
        #expect(restore.status == 0, "\(label): \(restore)", sourceLocation: sourceLocation)
        let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
        #expect(differences.isEmpty, "\(label) differs: \(differences.prefix(5))", sourceLocation: sourceLocation)
        _ = try? runProgram("/bin/rm", ["-rf", target], scratch: "/tmp")
    }

    static func config(_ workspace: Workspace) throws -> [String: Any] {
        let bytes = try FS.readFile(Array((workspace.repository + "/config").utf8))
        return try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] ?? [:]
    }

    @Test func rotateWriteNewPacksUnderTheNewGenerationAndResealMovesTheOldOnes() throws {
        let workspace = try Workspace("key-rotation", password: "first-password-rotation")
        defer { workspace.remove() }
        // Without segments: the repository is version 1 until its first rotation.
        #expect(try workspace.repo("init", "--segment-size", "0").status == 0)
        let second = "second-password-rotation"
        let secondFile = workspace.path("second")
        try FS.writeFile(Array(secondFile.utf8), Array((second + "\n").utf8))
        #expect(try workspace.repo("key", "add", "--new-password-file", secondFile).status == 0)

        var random = SeededRandom(seed: 77)
        let shared = random.bytes(400_000)
        let sourceA = try Self.makeSource(workspace, "a", seed: 1, shared: shared)
        #expect(try workspace.repo("snapshot", sourceA).status == 0)
        let packsBefore = try Self.packHeaders(workspace)
        #expect(packsBefore.allSatisfy { $0.version == 1 })

        let rotate = try workspace.repo("key", "rotate")
        #expect(rotate.status == 0, "\(rotate)")
        #expect(rotate.out.contains("generation 1"), "\(rotate)")
        #expect(int(try Self.config(workspace), "version") == 2, "the first rotation marks the repository")

        let sourceB = try Self.makeSource(workspace, "b", seed: 2, shared: shared)
        #expect(try workspace.repo("snapshot", sourceB).status == 0)
        let ids = try snapshotList(workspace).compactMap { $0["id"] as? String }
        try #require(ids.count == 2)

        // B's new packs are generation 1; A's stay generation 0.
        let headers = try Self.packHeaders(workspace)
        let newPacks = headers.count - packsBefore.count
        #expect(newPacks >= 2, "a data and a tree pack at least")
        #expect(headers.filter { $0.version == 2 && $0.generation == 1 }.count == newPacks)
        let listed = try Self.generations(workspace)
        #expect(listed[0]?.packs == packsBefore.count && listed[0]?.current == false, "\(listed)")
        #expect(listed[1]?.packs == newPacks && listed[1]?.current == true, "\(listed)")
        let text = try workspace.repo("key", "list")
        #expect(text.status == 0 && text.out.contains("pack key generations:"), "\(text)")

        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 0, "\(check)")
        try Self.expectRestores(workspace, ids[0], sourceA, as: "a")
        try Self.expectRestores(workspace, ids[1], sourceB, as: "b")
        // A password added before the rotation still opens everything.
        try Self.expectRestores(workspace, ids[1], sourceB, as: "b-second", environment: ["REPO_PASSWORD": second])

        // A second rotation, then every pack resealed under generation 2.
        let again = try workspace.repo("key", "rotate")
        #expect(again.status == 0 && again.out.contains("generation 2"), "\(again)")
        let reseal = try workspace.repo("prune", "--reseal", "--json")
        #expect(reseal.status == 0, "\(reseal)")
        #expect(int(reseal.object, "resealed_packs") == headers.count, "\(reseal)")
        let resealed = try Self.packHeaders(workspace)
        #expect(!resealed.isEmpty && resealed.allSatisfy { $0.version == 2 && $0.generation == 2 }, "\(resealed)")
        let after = try Self.generations(workspace, environment: ["REPO_PASSWORD": second])
        #expect(after[0]?.packs == 0 && after[1]?.packs == 0 && after[2]?.packs == resealed.count && after[2]?.current == true, "\(after)")

        let checkAfter = try workspace.repo("check", "--read-data")
        #expect(checkAfter.status == 0, "\(checkAfter)")
        try Self.expectRestores(workspace, ids[0], sourceA, as: "a-resealed")
        try Self.expectRestores(workspace, ids[1], sourceB, as: "b-resealed", environment: ["REPO_PASSWORD": second])
    }

    @Test func aRepositoryWithSegmentsStaysVersion3WhenRotated() throws {
        let workspace = try Workspace("key-rotation-segments")
        defer { workspace.remove() }
        try workspace.initRepository()
        #expect(int(try Self.config(workspace), "version") == 3)
        var random = SeededRandom(seed: 6)
        let source = try Self.makeSource(workspace, "src", seed: 4, shared: random.bytes(1000))
        #expect(try workspace.repo("snapshot", source).status == 0)
        #expect(try workspace.repo("key", "rotate").status == 0)
        #expect(int(try Self.config(workspace), "version") == 3, "version 3 holds generations too")
        #expect(try workspace.repo("snapshot", source, "--force").status == 0)
        try expectLatestRestoresAndChecks(workspace, source: source)
    }

    @Test func aRepositoryNeverRotatedStaysVersion1() throws {
        let workspace = try Workspace("key-rotation-none")
        defer { workspace.remove() }
        // Without segments: the repository is version 1 until its first rotation.
        #expect(try workspace.repo("init", "--segment-size", "0").status == 0)
        var random = SeededRandom(seed: 5)
        let source = try Self.makeSource(workspace, "src", seed: 3, shared: random.bytes(1000))
        #expect(try workspace.repo("snapshot", source).status == 0)
        #expect(int(try Self.config(workspace), "version") == 1)
        #expect(try Self.packHeaders(workspace).allSatisfy { $0.version == 1 })
        let keyring = (try? FileManager.default.contentsOfDirectory(atPath: workspace.repository + "/keyring")) ?? []
        #expect(keyring.isEmpty)
        // The keys' listing is as it always was; the generations are asked for.
        let list = try workspace.repo("key", "list")
        #expect(list.status == 0 && list.stdoutLines.count == 1, "\(list)")
        let listed = try Self.generations(workspace)
        #expect(listed.count == 1 && listed[0]?.current == true && (listed[0]?.packs ?? 0) > 0, "\(listed)")
        // Resealing has nothing to move, and changes nothing.
        let reseal = try workspace.repo("prune", "--reseal", "--json")
        #expect(reseal.status == 0 && int(reseal.object, "resealed_packs") == 0, "\(reseal)")
        #expect(int(try Self.config(workspace), "version") == 1)
        try expectLatestRestoresAndChecks(workspace, source: source)
    }

    @Test func aDamagedKeyringObjectIsReportedAndBlocksRotation() throws {
        let workspace = try Workspace("key-rotation-damage")
        defer { workspace.remove() }
        try workspace.initRepository()
        #expect(try workspace.repo("key", "rotate").status == 0)
        var random = SeededRandom(seed: 6)
        let source = try Self.makeSource(workspace, "src", seed: 4, shared: random.bytes(1000))
        #expect(try workspace.repo("snapshot", source).status == 0)
        let directory = workspace.repository + "/keyring"
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }
        try #require(names.count == 1)
        try flipBit(in: directory + "/" + names[0], at: 20)

        // Listing snapshots needs no pack: it works. Check names the object; a restore
        // names the generation; a rotation refuses to guess the next number.
        #expect(try workspace.repo("snapshots").status == 0)
        let check = try workspace.repo("check")
        #expect(check.status != 0 && check.err.contains("keyring \(names[0].prefix(8)) is damaged"), "\(check)")
        let restore = try workspace.repo("restore", "latest", "--target", workspace.path("out"))
        #expect(restore.status == 13 && restore.err.contains("pack key generation 1"), "\(restore)")
        let rotate = try workspace.repo("key", "rotate")
        #expect(rotate.status == 13 && rotate.err.contains("repo check"), "\(rotate)")
    }
}

