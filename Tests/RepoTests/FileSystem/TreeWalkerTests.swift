import Foundation
import Glibc
import Testing
@testable import Repo

@Suite struct TreeWalkerTests {
    /// The walk as lines: "enter a/b", "entry a/b/c", "leave a/b", "problem a/b: ...", with
    /// paths relative to `root` and shown as `FilePath.description`.
    private func walk(_ root: FilePath, rules: ExcludeRules = ExcludeRules(),
                      _ observe: (WalkEvent) -> Void = { _ in }) -> [String] {
        var lines: [String] = []
        func relative(_ path: FilePath) -> String {
            path == root ? "." : FilePath.display(Array(path.bytes.dropFirst(root.bytes.count + 1)))
        }
        TreeWalker(rules: rules).walk([root]) { event in
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
        let directory = try TemporaryDirectory()
        try makeDirectory(directory("b"))
        try writeFile(directory("b/z"))
        try makeDirectory(directory("b/a"))
        try writeFile(directory("b/a/file"))
        try writeFile(directory("a"))
        try writeFile(directory("Z"))
        try writeFile(directory("c"))
        try makeDirectory(directory("empty"))
        try makeSymlink(directory("link"), to: "b")
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

    @Test func awkwardNamesRoundTripAsBytes() throws {
        let directory = try TemporaryDirectory()
        let names: [[UInt8]] = [
            bytes("with space"), bytes("ünïcödé ✓"), bytes("new\nline"), [0x66, 0xFF, 0xFE], bytes("-dash"), [0x01],
        ]
        for name in names { try writeFile(directory(name)) }
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
        let directory = try TemporaryDirectory()
        try makeDirectory(directory("dir"), mode: 0o700)
        try writeFile(directory("file"), "12345", mode: 0o640)
        try makeSymlink(directory("link"), to: "file")
        try check("mkfifo", directory("fifo")) { mkfifo($0, 0o600) }
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
        #expect(found["link"]?.type == .symlink && found["link"]?.linkTarget == bytes("file"))
        #expect(found["fifo"]?.type == .fifo)
        let reader = MetadataReader()
        #expect(found["file"] == (try reader.metadata(atPath: directory("file"))))
        #expect(found["dir"] == (try reader.metadata(atPath: directory("dir"))))
    }

    @Test func rootsThatAreNotDirectoriesOrAreMissing() throws {
        let directory = try TemporaryDirectory()
        try writeFile(directory("file"))
        try makeSymlink(directory("link"), to: ".")
        var events: [String] = []
        TreeWalker().walk([directory("file"), directory("missing"), directory("link")]) { event in
            switch event {
            case .entry(let path, let metadata): events.append("entry \(path.name == bytes("file") ? "file" : "link") \(metadata.type)")
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
        let directory = try TemporaryDirectory()
        try writeFile(directory("keep.txt"))
        try writeFile(directory("drop.log"))
        try makeDirectory(directory("src"))
        try writeFile(directory("src/also.log"))
        try makeDirectory(directory("src/node_modules"))
        try writeFile(directory("src/node_modules/inside"))
        try makeDirectory(directory("cache"))
        try writeFile(directory("cache/x"))
        try makeDirectory(directory("src/cache"))
        try makeDirectory(directory("logs"))
        try makeDirectory(directory("src/logs"))
        try writeFile(directory("src/logs/logs"))
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
        let directory = try TemporaryDirectory()
        try makeDirectory(directory("build"))
        try writeFile(directory("build/out"))
        let rules = ExcludeRules(patterns: [ExcludePattern("build"), ExcludePattern("out")], excludeIfPresent: ["out"])
        #expect(walk(directory("build"), rules: rules) == ["enter .", "leave ."])
    }

    @Test func cacheDirectoryTagNeedsItsSignature() throws {
        let directory = try TemporaryDirectory()
        try makeDirectory(directory("tagged"))
        try writeFile(directory("tagged/CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag.\n")
        try writeFile(directory("tagged/data"))
        try makeDirectory(directory("impostor"))
        try writeFile(directory("impostor/CACHEDIR.TAG"), "not a signature")
        try makeDirectory(directory("fifo"))
        try check("mkfifo", directory("fifo/CACHEDIR.TAG")) { mkfifo($0, 0o600) }
        try makeDirectory(directory("marked"))
        try writeFile(directory("marked/.nobackup"))
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
        let directory = try TemporaryDirectory()
        for name in ["a", "b", "c"] { try writeFile(directory(name)) }
        let lines = walk(directory.path) { event in
            if case .entry(let path, _) = event, path.name == bytes("a") {
                unlink(directory("b").string!)
            }
        }
        #expect(lines == ["enter .", "entry a", "problem b: \(directory("b")) vanished while it was being read", "entry c", "leave ."])
    }

    @Test func unreadableDirectoryIsReportedAndTheWalkGoesOn() throws {
        guard let unprivileged = UnprivilegedThread() else { return }
        let directory = try TemporaryDirectory()
        try makeDirectory(directory("a"))
        try makeDirectory(directory("locked"), mode: 0o700)
        try writeFile(directory("locked/secret"))
        try writeFile(directory("z"))
        let lines = unprivileged.run { walk(directory.path) }
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
        let directory = try TemporaryDirectory()
        for name in ["a", "b", "c"] { try writeFile(directory(name)) }
        var visited = 0
        #expect(throws: Stop.self) {
            try TreeWalker().walk([directory.path]) { (event) throws(Stop) in
                visited += 1
                if case .entry(let path, _) = event, path.name == bytes("b") { throw Stop() }
            }
        }
        #expect(visited == 3)
    }

    @Test func oneFileSystemRecordsMountPointsEmpty() throws {
        let directory = try TemporaryDirectory()
        try makeDirectory(directory("mnt"))
        try writeFile(directory("file"))
        guard run("/bin/mount", "-t", "tmpfs", "repo-test", directory("mnt").string!) else {
            return  // Not allowed to mount here; nothing to test.
        }
        defer { _ = run("/bin/umount", directory("mnt").string!) }
        try writeFile(directory("mnt/inside"))
        #expect(walk(directory.path, rules: ExcludeRules(oneFileSystem: true)) == [
            "enter .", "entry file", "enter mnt", "leave mnt", "leave .",
        ])
        #expect(walk(directory.path) == [
            "enter .", "entry file", "enter mnt", "entry mnt/inside", "leave mnt", "leave .",
        ])
    }

    @Test func deepTreesDoNotRecurse() throws {
        let directory = try TemporaryDirectory()
        var path = directory.path
        for _ in 0..<200 {
            path = path.appending(bytes("d"))
            try makeDirectory(path)
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

/// Runs code with the file-system credentials of `nobody` on the calling thread only, so a
/// test running as root can meet "Permission denied". `setfsuid` is per thread and, moving
/// away from uid 0, drops the capabilities that bypass permission checks; going back to 0
/// restores them. Nil where `setfsuid` is unavailable.
private struct UnprivilegedThread {
    private typealias SetFilesystemUID = @convention(c) (UInt32) -> Int32
    private let setfsuid: SetFilesystemUID

    init?() {
        guard geteuid() == 0, let symbol = dlsym(dlopen(nil, RTLD_NOW), "setfsuid") else { return nil }
        setfsuid = unsafeBitCast(symbol, to: SetFilesystemUID.self)
    }

    func run<Result>(_ body: () -> Result) -> Result {
        _ = setfsuid(65_534)
        defer { _ = setfsuid(0) }
        return body()
    }
}
