import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct SelectionTests {
    /// 5. Excludes on snapshot (`--exclude`, `--exclude-file`, `--exclude-if-present`) and
    /// includes and excludes on restore.
    @Test func excludeAndInclude() throws {
        let workspace = try Workspace("exclude")
        defer { workspace.remove() }
        let source = workspace.path("src")
        let files: [String: String] = [
            "keep.txt": "keep",
            "app.log": "log line",
            "sub/deep/trace.log": "trace",
            "sub/deep/data.bin": "data",
            "node_modules/pkg/index.js": "js",
            "deeper/node_modules/x.js": "js",
            "tmp/scratch.txt": "scratch",
            "other/tmp/kept.txt": "a tmp that is not the anchored one",
            "cache/CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag.\n",
            "cache/blob.bin": "cached",
            "notcache/CACHEDIR.TAG": "not the signature\n",
            "notcache/kept.bin": "kept",
            "docs/a.txt": "a",
            "docs/b.md": "b",
            "docs/inner/c.md": "c",
        ]
        for (relative, content) in files {
            let path = source + "/" + relative
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FS.writeFile(Array(path.utf8), Array(content.utf8))
        }
        let excludeFile = workspace.path("excludes")
        try FS.writeFile(Array(excludeFile.utf8), Array("# a comment\n\n   node_modules   \n\(source)/tmp\r\n".utf8))
        try workspace.initRepository()

        let snapshot = try workspace.repo("snapshot", "--json", "-e", "*.log", "--exclude-file", excludeFile,
                                          "--exclude-if-present", "CACHEDIR.TAG", source)
        #expect(snapshot.status == 0, "\(snapshot)")

        let excluded = ["app.log", "sub/deep/trace.log", "node_modules", "node_modules/pkg/index.js", "deeper/node_modules",
                        "deeper/node_modules/x.js", "tmp", "tmp/scratch.txt", "cache/blob.bin", "cache/CACHEDIR.TAG"]
        let kept = ["keep.txt", "sub/deep/data.bin", "deeper", "other/tmp/kept.txt", "notcache/CACHEDIR.TAG", "notcache/kept.bin",
                    "docs/a.txt", "docs/b.md", "docs/inner/c.md"]

        let ls = try workspace.repo("ls", "latest")
        #expect(ls.status == 0, "\(ls)")
        let listed = Set(ls.stdoutLines)
        for path in excluded { #expect(!listed.contains(source + "/" + path), "\(path) should be excluded from the snapshot:\n\(ls.out)") }
        for path in kept { #expect(listed.contains(source + "/" + path), "\(path) should be in the snapshot:\n\(ls.out)") }
        #expect(!listed.contains(source + "/cache"), "a directory with a valid CACHEDIR.TAG is left out:\n\(ls.out)")

        // A full restore holds exactly what was kept.
        let all = workspace.path("all")
        let restoreAll = try workspace.repo("restore", "latest", "--target", all)
        #expect(restoreAll.status == 0, "\(restoreAll)")
        let restoredSource = restoredPath(of: source, in: all)
        for path in excluded { #expect(!FS.exists(Array((restoredSource + "/" + path).utf8)), "\(path) restored although excluded") }
        for path in kept { #expect(FS.exists(Array((restoredSource + "/" + path).utf8)), "\(path) missing from the restore") }

        // --include a directory: it and what is inside, nothing else.
        let docsOnly = workspace.path("docs-only")
        let includeDocs = try workspace.repo("restore", "latest", "--target", docsOnly, "--include", source + "/docs")
        #expect(includeDocs.status == 0, "\(includeDocs)")
        let docsRoot = restoredPath(of: source, in: docsOnly)
        for path in ["docs/a.txt", "docs/b.md", "docs/inner/c.md"] {
            #expect(FS.exists(Array((docsRoot + "/" + path).utf8)), "\(path) should be restored by --include")
        }
        for path in ["keep.txt", "sub/deep/data.bin", "notcache/kept.bin", "notcache/CACHEDIR.TAG", "other/tmp/kept.txt"] {
            #expect(!FS.exists(Array((docsRoot + "/" + path).utf8)), "\(path) should not be restored with --include docs")
        }

        // --include by name pattern, and --exclude on restore.
        let textOnly = workspace.path("text-only")
        let includeText = try workspace.repo("restore", "latest", "--target", textOnly, "-i", "*.txt")
        #expect(includeText.status == 0, "\(includeText)")
        let textRoot = restoredPath(of: source, in: textOnly)
        for path in ["keep.txt", "docs/a.txt", "other/tmp/kept.txt"] { #expect(FS.exists(Array((textRoot + "/" + path).utf8)), "\(path)") }
        for path in ["docs/b.md", "notcache/kept.bin", "sub/deep/data.bin"] { #expect(!FS.exists(Array((textRoot + "/" + path).utf8)), "\(path)") }

        let docs = Array((textRoot + "/docs").utf8)
        #expect(try FS.exists(docs) && (FS.lstat(docs).st_mode & S_IFMT) == S_IFDIR, "docs: a directory on the way")
        // docs/inner holds no .txt file: an include creates only the directories it needs.
        #expect(!FS.exists(Array((textRoot + "/docs/inner").utf8)), "docs/inner restored although nothing in it is included")

        let noMarkdown = workspace.path("no-markdown")
        let excludeMarkdown = try workspace.repo("restore", "latest", "--target", noMarkdown, "--exclude", "*.md", "-e", source + "/sub")
        #expect(excludeMarkdown.status == 0, "\(excludeMarkdown)")
        let markdownRoot = restoredPath(of: source, in: noMarkdown)
        for path in ["keep.txt", "docs/a.txt", "notcache/kept.bin"] { #expect(FS.exists(Array((markdownRoot + "/" + path).utf8)), "\(path)") }
        for path in ["docs/b.md", "docs/inner/c.md", "sub"] { #expect(!FS.exists(Array((markdownRoot + "/" + path).utf8)), "\(path)") }
    }

    /// 5b. `restore --include` recreates the included entries and the directories that lead
    /// to them, not the empty skeleton of every other directory in the snapshot.
    @Test func includeCreatesOnlyTheDirectoriesItNeeds() throws {
        let workspace = try Workspace("include-dirs")
        defer { workspace.remove() }
        let source = workspace.path("src")
        for relative in ["wanted/file.txt", "unrelated/deep/er/file.bin", "also-unrelated/x.bin"] {
            let path = source + "/" + relative
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FS.writeFile(Array(path.utf8), Array(relative.utf8))
        }
        try workspace.initRepository()
        #expect(try workspace.repo("snapshot", source).status == 0)
        let target = workspace.path("restore")
        let restore = try workspace.repo("restore", "latest", "--target", target, "--include", source + "/wanted")
        #expect(restore.status == 0, "\(restore)")
        let root = restoredPath(of: source, in: target)
        #expect(FS.exists(Array((root + "/wanted/file.txt").utf8)))
        let names = (try? FS.list(Array(root.utf8)).map { String(decoding: $0, as: UTF8.self) }) ?? []
        #expect(names == ["wanted"], "only `wanted` (and the directories above it) should be created, found \(names) in the restored source directory")
    }
}

@Suite struct StreamTests {
    /// 6. Standard input and a command's output as snapshots; a failing command writes none.
    @Test func stdinAndCommandStreams() throws {
        let workspace = try Workspace("streams")
        defer { workspace.remove() }
        try workspace.initRepository()
        var random = SeededRandom(seed: 6)
        let input = random.text(1_500_000) + random.bytes(1_500_000)

        let fromStdin = try workspace.repo(["snapshot", "--stdin", "--stdin-name", "db.sql", "--json"], stdin: .bytes(input))
        #expect(fromStdin.status == 0, "\(fromStdin)")
        let dump = try workspace.repo("dump", "latest", "/db.sql")
        #expect(dump.status == 0, "\(dump.err)")
        #expect(dump.stdout.count == input.count, "dump returned \(dump.stdout.count) bytes of \(input.count)")
        #expect(dump.stdout == input, "dump returns the bytes that were piped in")
        let countAfterStdin = try snapshotList(workspace).count
        #expect(countAfterStdin == 1)

        let failing = try workspace.repo("snapshot", "--stdin-from-command", "--stdin-name", "dump.sql", "--",
                                         "sh", "-c", "printf hello; exit 3")
        #expect(failing.status == 15, "a failing command: exit 15, \(failing)")
        #expect(!failing.err.isEmpty, "the failure is explained on stderr")
        #expect(try snapshotList(workspace).count == countAfterStdin, "no snapshot is written when the command fails")

        let succeeding = try workspace.repo("snapshot", "--stdin-from-command", "--stdin-name", "dump.sql", "--json", "--",
                                            "sh", "-c", "head -c 1000000 /dev/urandom")
        #expect(succeeding.status == 0, "\(succeeding)")
        let list = try snapshotList(workspace)
        #expect(list.count == countAfterStdin + 1)
        #expect((list.last?["paths"] as? [String]) == ["/dump.sql"], "\(list.last ?? [:])")
        let dumped = try workspace.repo("dump", "latest", "/dump.sql")
        #expect(dumped.status == 0, "\(dumped.err)")
        #expect(dumped.stdout.count == 1_000_000)
        // The earlier stream is still there, by its id.
        let firstID = try #require(list.first?["id"] as? String)
        let again = try workspace.repo("dump", firstID, "/db.sql")
        #expect(again.stdout == input)
    }
}
