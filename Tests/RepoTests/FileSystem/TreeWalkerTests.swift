import Foundation
import Glibc
import Testing
@testable import Repo
import TestSupport

@Suite struct TreeWalkerTests {
    /// The walk as lines: "enter a/b", "entry a/b/c", "leave a/b", "problem a/b: ...", with
    /// paths relative to `root` and shown as `FilePath.description`.
    private func walk(_ root: FilePath, rules: ExcludeRules = ExcludeRules(), openDirectories: Int? = nil,
                      _ observe: (WalkEvent) -> Void = { _ in }) -> [String] {
        var lines: [String] = []
        func relative(_ path: FilePath) -> String {
            path == root ? "." : FilePath.display(Array(path.bytes.dropFirst(root.bytes.count + 1)))
        }
        let walker = openDirectories.map { TreeWalker(rules: rules, openDirectories: $0) } ?? TreeWalker(rules: rules)
        walker.walk([root]) { event in
            observe(event)
            switch event {
            case .enter(let path, _): lines.append("enter \(relative(path))")
            case .leave(let path, _): lines.append("leave \(relative(path))")
            case .entry(let path, _): lines.append("entry \(relative(path))")
            case .problem(let path, let error): lines.append("problem \(relative(path)): \(error)")
            }
        }
        return lines
    }

    @Test func depthFirstInBytewiseOrderWithEnterAndLeave() throws {
        let directory = try ScratchTree()
        try directory("b").makeDirectory()
        try directory("b/z").writeFile()
        try directory("b/a").makeDirectory()
        try directory("b/a/file").writeFile()
        try directory("a").writeFile()
        try directory("Z").writeFile()
        try directory("c").writeFile()
        try directory("empty").makeDirectory()
        try directory("link").makeSymlink(to: "b")
        #expect(walk(directory.path) == [
            "enter .",
            "entry Z",
            "entry a",
            "enter b",
            "enter b/a",
            "entry b/a/file",
            "leave b/a",
            "entry b/z",
            "leave b",
            "entry c",
            "enter empty",
            "leave empty",
            "entry link",
            "leave .",
        ])
    }

    /// A walk that may hold only one or two directories open lets go of those further up
    /// and opens them again as `..` on the way back: the same events, in the same order.
    @Test func aFewDescriptorsWalkADeepTreeTheSame() throws {
        let directory = try ScratchTree()
        var path = ""
        for level in 0..<12 {
            path += (path.isEmpty ? "" : "/") + "d\(level)"
            try directory(path).makeDirectory()
            try directory(path + "/a-file").writeFile()
            try directory(path + "/z-file").writeFile()
            try directory(path + "/z-side").makeDirectory()
            try directory(path + "/z-side/inside").writeFile()
        }
        let unbounded = walk(directory.path)
        #expect(unbounded.count == 2 + 12 * 7, "enter, two files, a side directory with a file, leave: a level")
        #expect(walk(directory.path, openDirectories: 2) == unbounded)
        #expect(walk(directory.path, openDirectories: 1) == unbounded)
    }

    /// A directory moved elsewhere while the walk is below it and not holding it open is not
    /// followed to its new place: the rest of it (and of the directories above, which the walk
    /// can no longer reach) is reported as a problem and left out.
    @Test func aDirectoryMovedWhileTheWalkIsBelowItIsNotFollowed() throws {
        let directory = try ScratchTree()
        try directory("a").makeDirectory()
        try directory("a/b").makeDirectory()
        try directory("a/b/c").makeDirectory()
        try directory("a/b/later").writeFile()
        try directory("a/later").writeFile()
        try directory("elsewhere").makeDirectory()
        let lines = walk(directory.path, openDirectories: 1) { event in
            guard case .enter(let path, _) = event, path == directory("a/b/c") else { return }
            _ = rename(Array(directory("a/b/c").bytes) + [0], Array(directory("elsewhere/c").bytes) + [0])
        }
        #expect(lines.contains("enter a/b/c") && lines.contains("leave a/b/c"))
        #expect(lines.contains { $0.hasPrefix("problem a/b: cannot go back up to directory") })
        #expect(!lines.contains("entry a/b/later") && !lines.contains("entry a/later"))
        #expect(!lines.contains { $0.contains("elsewhere") })
    }

    @Test func awkwardNamesRoundTripAsBytes() throws {
        let directory = try ScratchTree()
        let names: [[UInt8]] = [
            Array("with space".utf8), Array("ünïcödé ✓".utf8), Array("new\nline".utf8), [0x66, 0xFF, 0xFE], Array("-dash".utf8), [0x01],
        ]
        for name in names { try directory(name).writeFile() }
        var seen: [[UInt8]] = []
        _ = walk(directory.path) { event in
            if case .entry(let path, let metadata) = event {
                #expect(metadata.type == .file)
                seen.append(path.name)
                #expect(path == directory.path.appending(path.name))
            }
        }
        #expect(seen == names.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func metadataOfEveryKindOfEntry() throws {
        let directory = try ScratchTree()
        try directory("dir").makeDirectory(mode: 0o700)
        try directory("file").writeFile("12345", mode: 0o640)
        try directory("link").makeSymlink(to: "file")
        try directory("fifo").perform("mkfifo") { mkfifo($0, 0o600) }
        var found: [String: FileMetadata] = [:]
        _ = walk(directory.path) { event in
            switch event {
            case .enter(let path, let metadata), .entry(let path, let metadata):
                found[String(decoding: path.name, as: UTF8.self)] = metadata
            default: break
            }
        }
        #expect(found["dir"]?.type == .directory && found["dir"]?.mode == 0o700)
        #expect(found["file"]?.type == .file && found["file"]?.size == 5 && found["file"]?.mode == 0o640)
        #expect(found["link"]?.type == .symlink && found["link"]?.linkTarget == Array("file".utf8))
        #expect(found["fifo"]?.type == .fifo)
        let reader = MetadataReader()
        #expect(found["file"] == (try reader.metadata(atPath: directory("file"))))
        #expect(found["dir"] == (try reader.metadata(atPath: directory("dir"))))
    }

    @Test func rootsThatAreNotDirectoriesOrAreMissing() throws {
        let directory = try ScratchTree()
        try directory("file").writeFile()
        try directory("link").makeSymlink(to: ".")
        var events: [String] = []
        TreeWalker().walk([directory("file"), directory("missing"), directory("link")]) { event in
            switch event {
            case .entry(let path, let metadata): events.append("entry \(path.name == Array("file".utf8) ? "file" : "link") \(metadata.type)")
            case .problem(_, let error): events.append("problem \(error)")
            default: events.append("unexpected")
            }
        }
        #expect(events == [
            "entry file file",
            "problem cannot read metadata of \(directory("missing")): No such file or directory",
            "entry link symlink",
        ])
    }

    @Test func excludePatterns() throws {
        let directory = try ScratchTree()
        try directory("keep.txt").writeFile()
        try directory("drop.log").writeFile()
        try directory("src").makeDirectory()
        try directory("src/also.log").writeFile()
        try directory("src/node_modules").makeDirectory()
        try directory("src/node_modules/inside").writeFile()
        try directory("cache").makeDirectory()
        try directory("cache/x").writeFile()
        try directory("src/cache").makeDirectory()
        try directory("logs").makeDirectory()
        try directory("src/logs").makeDirectory()
        try directory("src/logs/logs").writeFile()
        let rules = ExcludeRules(patterns: [
            ExcludePattern("*.log"),
            ExcludePattern("node_modules"),
            ExcludePattern(directory("cache").string!),
            ExcludePattern("logs/"),
        ])
        #expect(walk(directory.path, rules: rules) == [
            "enter .",
            "entry keep.txt",
            "enter src",
            "enter src/cache",
            "leave src/cache",
            "leave src",
            "leave .",
        ])
    }

    @Test func rootsAreNeverExcluded() throws {
        let directory = try ScratchTree()
        try directory("build").makeDirectory()
        try directory("build/out").writeFile()
        let rules = ExcludeRules(patterns: [ExcludePattern("build"), ExcludePattern("out")], excludeIfPresent: ["out"])
        #expect(walk(directory("build"), rules: rules) == ["enter .", "leave ."])
    }

    @Test func cacheDirectoryTagNeedsItsSignature() throws {
        let directory = try ScratchTree()
        try directory("tagged").makeDirectory()
        try directory("tagged/CACHEDIR.TAG").writeFile("Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag.\n")
        try directory("tagged/data").writeFile()
        try directory("impostor").makeDirectory()
        try directory("impostor/CACHEDIR.TAG").writeFile("not a signature")
        try directory("fifo").makeDirectory()
        try directory("fifo/CACHEDIR.TAG").perform("mkfifo") { mkfifo($0, 0o600) }
        try directory("marked").makeDirectory()
        try directory("marked/.nobackup").writeFile()
        let rules = ExcludeRules(excludeIfPresent: ["CACHEDIR.TAG", ".nobackup"])
        #expect(walk(directory.path, rules: rules) == [
            "enter .",
            "enter fifo",
            "entry fifo/CACHEDIR.TAG",
            "leave fifo",
            "enter impostor",
            "entry impostor/CACHEDIR.TAG",
            "leave impostor",
            "leave .",
        ])
    }

    @Test func entryVanishingDuringTheWalkIsReportedAndTheWalkGoesOn() throws {
        let directory = try ScratchTree()
        for name in ["a", "b", "c"] { try directory(name).writeFile() }
        let lines = walk(directory.path) { event in
            if case .entry(let path, _) = event, path.name == Array("a".utf8) {
                unlink(directory("b").string!)
            }
        }
        #expect(lines == ["enter .", "entry a", "problem b: \(directory("b")) vanished while it was being read", "entry c", "leave ."])
    }

    @Test func unreadableDirectoryIsReportedAndTheWalkGoesOn() throws {
        let directory = try ScratchTree()
        try directory("a").makeDirectory()
        try directory("locked").makeDirectory(mode: 0o700)
        try directory("locked/secret").writeFile()
        try directory("z").writeFile()
        try directory("locked").perform("chmod") { chmod($0, 0o000) }
        defer { _ = chmod(directory("locked").string!, 0o700) }  // so that the scratch tree can be removed
        let lines = Unprivileged.run { walk(directory.path) }
        #expect(lines == [
            "enter .",
            "enter a",
            "leave a",
            "enter locked",
            "problem locked: cannot read directory \(directory("locked")): Permission denied",
            "leave locked",
            "entry z",
            "leave .",
        ])
    }

    @Test func visitorStopsTheWalkByThrowing() throws {
        struct Stop: Error {}
        let directory = try ScratchTree()
        for name in ["a", "b", "c"] { try directory(name).writeFile() }
        var visited = 0
        #expect(throws: Stop.self) {
            try TreeWalker().walk([directory.path]) { (event) throws(Stop) in
                visited += 1
                if case .entry(let path, _) = event, path.name == Array("b".utf8) { throw Stop() }
            }
        }
        #expect(visited == 3)
    }

    @Test func oneFileSystemRecordsMountPointsEmpty() throws {
        let directory = try ScratchTree()
        try directory("mnt").makeDirectory()
        try directory("file").writeFile()
        // Root outside a restricted container may mount: CI does.
        guard run("/bin/mount", "-t", "tmpfs", "repo-test", directory("mnt").string!) else {
            try Test.cancel("mounting a tmpfs is not allowed here (needs root, and a container that allows mount)")
        }
        defer { _ = run("/bin/umount", directory("mnt").string!) }
        try directory("mnt/inside").writeFile()
        #expect(walk(directory.path, rules: ExcludeRules(oneFileSystem: true)) == [
            "enter .", "entry file", "enter mnt", "leave mnt", "leave .",
        ])
        #expect(walk(directory.path) == [
            "enter .", "entry file", "enter mnt", "entry mnt/inside", "leave mnt", "leave .",
        ])
    }

    @Test func deepTreesDoNotRecurse() throws {
        let directory = try ScratchTree()
        var path = directory.path
        for _ in 0..<200 {
            path = path.appending(Array("d".utf8))
            try path.makeDirectory()
        }
        let lines = walk(directory.path)
        #expect(lines.count == 2 * 201)
        #expect(!lines.contains { $0.hasPrefix("problem") })
    }
}

private func run(_ executable: String, _ arguments: String...) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}
