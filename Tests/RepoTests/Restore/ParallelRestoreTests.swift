import Crypto
import Foundation
@testable import Repo
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The restore pipeline: packs read once by parallel workers, blobs written wherever they
/// belong, files finished by whoever writes their last piece.
@Suite struct ParallelRestoreTests {
    typealias Fixtures = RestoreFixtures

    /// A file made of blobs from many packs, one blob at several offsets of it and in
    /// several other files: every place gets its bytes, whatever the number of workers and
    /// however few files and directories may stay open.
    @Test func blobsFromManyPacksRepeatedWithinAndAcrossFiles() throws {
        let scene = try Fixtures.Scene()
        var generator = SeededGenerator(seed: 61)
        let blobs = (0..<14).map { _ in generator.bytes(300_000) }
        let files = [
            Fixtures.SyntheticFile(path: "big", pieces: [.blob(0), .blob(1), .blob(0), .blob(2), .hole(1 << 20), .blob(3), .blob(0)]
                                   + (4..<14).map { .blob($0) } + [.blob(1)]),
            Fixtures.SyntheticFile(path: "dir/copy", pieces: [.blob(0)]),
            Fixtures.SyntheticFile(path: "dir/again", pieces: [.blob(13), .blob(0), .blob(13)]),
            Fixtures.SyntheticFile(path: "dir/sub/tail", pieces: [.hole(4096), .blob(7)]),
            Fixtures.SyntheticFile(path: "other/empty", pieces: []),
        ]
        let stored = try Fixtures.syntheticSnapshot(files, blobs: blobs, in: scene.repository)
        let ids = blobs.map { bytes in bytes.withUnsafeBytes { scene.repository.blobID(of: $0) } }
        let packs = Set(ids.compactMap { scene.repository.location(of: $0)?.pack })
        try #require(packs.count >= 4, "the blobs are spread over many packs")
        let written = files.reduce(0) { total, file in
            total + file.pieces.reduce(0) { if case .blob(let number) = $1 { $0 + blobs[number].count } else { $0 } }
        }

        for (jobs, openFiles, openDirectories) in [(1, 256, 64), (4, 256, 64), (4, 1, 1), (3, 2, 1)] {
            let (summary, target) = try scene.restore(stored, jobs: jobs, openFiles: openFiles, openDirectories: openDirectories) {
                $0.verify = true
            }
            let label = "jobs \(jobs), \(openFiles) open files, \(openDirectories) open directories"
            #expect(summary.problems.isEmpty, "\(label): \(summary.problems)")
            #expect(summary.files == files.count && summary.filesVerified == files.count, "\(label)")
            #expect(summary.bytesWritten == UInt64(written), "\(label)")
            for file in files {
                let restored = Array(try Data(contentsOf: URL(fileURLWithPath: "\(target)/\(file.path)")))
                #expect(restored == Fixtures.expectedContent(file, blobs: blobs), "\(label): \(file.path)")
                let status = try Fixtures.lstat("\(target)/\(file.path)")
                #expect(status.st_mode & 0o7777 == 0o644 && status.st_mtim.tv_sec == 1_000_000_000, "\(label): \(file.path)")
            }
        }
    }

    /// One damaged blob: the files that use it are reported and left incomplete (private,
    /// without their metadata), with the rest of their content written; every other file,
    /// including others from the same pack, is restored exactly.
    @Test func damagedBlobAffectsOnlyTheFilesThatUseIt() throws {
        let scene = try Fixtures.Scene()
        var generator = SeededGenerator(seed: 62)
        let blobs = (0..<12).map { _ in generator.bytes(200_000) }
        let files = [
            Fixtures.SyntheticFile(path: "a", pieces: [.blob(0), .blob(1), .blob(2)]),
            Fixtures.SyntheticFile(path: "b", pieces: [.blob(3), .blob(4)]),
            Fixtures.SyntheticFile(path: "c", pieces: [.blob(5)]),
            Fixtures.SyntheticFile(path: "d/e", pieces: [.blob(6), .blob(7), .blob(8)]),
            Fixtures.SyntheticFile(path: "d/f", pieces: [.blob(9), .blob(10), .blob(11)]),
            Fixtures.SyntheticFile(path: "d/g", pieces: [.blob(11), .blob(4), .blob(4)]),
        ]
        let stored = try Fixtures.syntheticSnapshot(files, blobs: blobs, in: scene.repository)
        let damaged = blobs[4].withUnsafeBytes { scene.repository.blobID(of: $0) }
        let pack = try scene.packFile(of: damaged)
        let sharingPack = (0..<blobs.count).filter { number in
            number != 4 && scene.repository.location(of: blobs[number].withUnsafeBytes { scene.repository.blobID(of: $0) })?.pack
                == scene.repository.location(of: damaged)?.pack
        }
        try #require(!sharingPack.isEmpty, "other blobs share the damaged blob's pack")
        try FormatFixtures.flipByte(at: pack.offset + pack.length / 2, of: pack.path)

        for jobs in [1, 4] {
            let (summary, target) = try scene.restore(stored, jobs: jobs)
            #expect(summary.damagedBlobs == 1, "jobs \(jobs)")
            #expect(summary.problems.count == 2, "jobs \(jobs): one problem per affected file: \(summary.problems)")
            #expect(summary.problems.contains { $0.hasPrefix("/b: ") && $0.contains(damaged.hex) }, "\(summary.problems)")
            #expect(summary.problems.contains { $0.hasPrefix("/d/g: ") && $0.contains(damaged.hex) }, "\(summary.problems)")
            for file in files {
                let path = "\(target)/\(file.path)"
                let restored = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
                let status = try Fixtures.lstat(path)
                if file.path == "b" || file.path == "d/g" {
                    #expect(status.st_mode & 0o7777 == 0o600, "an incomplete file stays private: \(file.path)")
                    #expect(restored.count == Fixtures.expectedContent(file, blobs: blobs).count)
                    let first = file.pieces.first.flatMap { if case .blob(let n) = $0 { n } else { nil } }!
                    if first != 4 { #expect(Array(restored.prefix(blobs[first].count)) == blobs[first], "sound blobs are written") }
                } else {
                    #expect(restored == Fixtures.expectedContent(file, blobs: blobs), "jobs \(jobs): \(file.path)")
                    #expect(status.st_mode & 0o7777 == 0o644 && status.st_mtim.tv_sec == 1_000_000_000, "\(file.path)")
                }
            }
        }
    }

    /// A pack that cannot be read at all (gone): the files with blobs in it are reported;
    /// the rest restore. A pack the index lists but the repository lacks is damage: its
    /// blobs count as damaged (exit 13), its files as failed, not restored.
    @Test func missingPackAffectsOnlyItsFiles() throws {
        let scene = try Fixtures.Scene()
        var generator = SeededGenerator(seed: 63)
        let blobs = (0..<10).map { _ in generator.bytes(250_000) }
        let files = (0..<10).map { Fixtures.SyntheticFile(path: "f\($0)", pieces: [.blob($0)]) }
        let stored = try Fixtures.syntheticSnapshot(files, blobs: blobs, in: scene.repository)
        let ids = blobs.map { bytes in bytes.withUnsafeBytes { scene.repository.blobID(of: $0) } }
        let lost = try scene.packFile(of: ids[0])
        try #require(unlink(lost.path) == 0)
        let lostPack = scene.repository.location(of: ids[0])!.pack
        let affected = Set((0..<10).filter { scene.repository.location(of: ids[$0])!.pack == lostPack }.map { "/f\($0)" })
        try #require(affected.count < files.count)

        let (summary, target) = try scene.restore(stored, jobs: 4)
        #expect(summary.damagedBlobs == affected.count)
        #expect(summary.filesFailed == affected.count && summary.files == files.count - affected.count, "\(summary)")
        #expect(Set(summary.problems.map { String($0.prefix { $0 != ":" }) }) == affected, "\(summary.problems)")
        for number in 0..<10 where !affected.contains("/f\(number)") {
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: "\(target)/f\(number)"))) == blobs[number])
        }
    }

    /// A blob the index does not have: its file is reported, written up to that blob and
    /// sized as it was; the others restore. The missing blob is damage, the file failed.
    @Test func blobMissingFromTheIndexAffectsOnlyItsFile() throws {
        let scene = try Fixtures.Scene()
        var generator = SeededGenerator(seed: 64)
        let blobs = (0..<3).map { _ in generator.bytes(100_000) }
        let files = [
            Fixtures.SyntheticFile(path: "whole", pieces: [.blob(0), .blob(1)]),
            Fixtures.SyntheticFile(path: "broken", pieces: [.blob(1), .blob(2), .blob(0)]),
        ]
        let stored = try Fixtures.syntheticSnapshot(files, blobs: blobs, unstored: [2], in: scene.repository)
        let (summary, target) = try scene.restore(stored, jobs: 2)
        #expect(summary.problems.count == 1 && summary.problems[0].hasPrefix("/broken: ")
                && summary.problems[0].contains("not in the index"), "\(summary.problems)")
        #expect(summary.damagedBlobs == 1)
        #expect(summary.filesFailed == 1 && summary.files == 1, "\(summary)")
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: "\(target)/whole"))) == blobs[0] + blobs[1])
        let broken = Array(try Data(contentsOf: URL(fileURLWithPath: "\(target)/broken")))
        #expect(broken.count == 300_000 && Array(broken.prefix(100_000)) == blobs[1])
    }

    /// A real tree with every kind of entry, odd modes and times: restored with one worker
    /// and with four (and with four and almost nothing kept open), it is the same tree, and
    /// the same as the source: contents, modes, owners, file and directory mtimes.
    @Test func jobsOneAndFourGiveTheSourceTree() throws {
        let scene = try Fixtures.Scene()
        let source = scene.path("src")
        var generator = SeededGenerator(seed: 65)
        for directory in ["a/deep/er", "b", "ro", "empty"] { try Fixtures.makeDirectories("\(source)/\(directory)") }
        var files: [(String, mode_t)] = []
        for number in 0..<60 {
            let directory = ["", "a/", "a/deep/", "a/deep/er/", "b/", "ro/"][number % 6]
            let path = "\(directory)file\(number)"
            let size = [0, 1, 4096, 90_000, 700_000, 2_500_000][Int(generator.next() % 6)]
            let bytes = number % 3 == 0 ? FormatFixtures.compressible(size, using: &generator) : generator.bytes(size)
            let mode: mode_t = [0o644, 0o600, 0o755, 0o4755, 0o444][number % 5]
            try Fixtures.write(bytes, to: "\(source)/\(path)")
            files.append((path, mode))
        }
        let sparse = "\(source)/b/sparse"
        try Fixtures.write(generator.bytes(70_000), to: sparse, at: 5 << 20)
        try #require(truncate(sparse, 24 << 20) == 0)
        try #require(symlink("../a/file1", "\(source)/b/link") == 0)
        try #require(link("\(source)/a/file1", "\(source)/b/hard") == 0)
        for (number, (path, mode)) in files.enumerated() {
            try Fixtures.setMetadata("\(source)/\(path)", mode: mode,
                                     mtime: Timestamp(seconds: 1_100_000_000 + Int64(number) * 3600, nanoseconds: UInt32(number * 1000)))
        }
        try Fixtures.setMetadata(sparse, mtime: Timestamp(seconds: 1_200_000_000, nanoseconds: 7))
        try Fixtures.setMetadata("\(source)/b/link", mtime: Timestamp(seconds: 1_210_000_000, nanoseconds: 9))
        // Directories last, deepest first, since filling them moved their times.
        for (number, directory) in ["a/deep/er", "a/deep", "a", "b", "ro", "empty"].enumerated() {
            try Fixtures.setMetadata("\(source)/\(directory)", mode: directory == "ro" ? 0o555 : 0o750,
                                     mtime: Timestamp(seconds: 1_000_000_000 + Int64(number) * 86_400, nanoseconds: 123))
        }
        let expected = try Fixtures.capture(source)
        let stored = try scene.snapshot(source)
        #expect(scene.repository.withIndex { $0.packs.count } >= 4)

        var restoredTrees: [[String: Fixtures.Entry]] = []
        for (jobs, openFiles, openDirectories) in [(1, 256, 64), (4, 256, 64), (4, 2, 1)] {
            let (summary, target) = try scene.restore(stored, jobs: jobs, openFiles: openFiles, openDirectories: openDirectories)
            #expect(summary.problems.isEmpty, "jobs \(jobs): \(summary.problems)")
            let restored = try Fixtures.capture(target + source)
            Fixtures.expectSame(restored, expected, "jobs \(jobs), \(openFiles) open files, \(openDirectories) open directories")
            restoredTrees.append(restored)
            let hard = try Fixtures.lstat("\(target)\(source)/b/hard"), first = try Fixtures.lstat("\(target)\(source)/a/file1")
            #expect(hard.st_ino == first.st_ino && hard.st_nlink == 2)
        }
        #expect(restoredTrees.dropFirst().allSatisfy { $0 == restoredTrees[0] })
    }

    /// Holes are never written: a restored sparse file takes about the blocks of its data,
    /// whether the holes are inside, at the end, or the whole file.
    @Test func sparseFilesStaySparse() throws {
        let scene = try Fixtures.Scene()
        let source = scene.path("src")
        try Fixtures.makeDirectories(source)
        var generator = SeededGenerator(seed: 66)
        let inside = "\(source)/inside", trailing = "\(source)/trailing", holes = "\(source)/holes-only"
        try Fixtures.write(generator.bytes(65_536), to: inside, at: 8 << 20)
        try Fixtures.write(generator.bytes(65_536), to: inside, at: 40 << 20)
        try #require(truncate(inside, 64 << 20) == 0)
        try Fixtures.write(generator.bytes(1 << 20), to: trailing)
        try #require(truncate(trailing, 32 << 20) == 0)
        try Fixtures.write([], to: holes)
        try #require(truncate(holes, 16 << 20) == 0)
        let stored = try scene.snapshot(source)
        var tree = stored.snapshot.tree
        for component in source.split(separator: "/") {
            let node = try #require(try scene.repository.loadTree(tree).nodes.first { $0.name == Array(component.utf8) })
            tree = try #require(node.subtree)
        }
        let nodes = try scene.repository.loadTree(tree).nodes
        try #require(nodes.allSatisfy { $0.content.contains { if case .hole = $0 { true } else { false } } },
                     "the snapshot recorded holes")

        let (summary, target) = try scene.restore(stored, jobs: 4)
        #expect(summary.problems.isEmpty, "\(summary.problems)")
        #expect(summary.bytesWritten == 2 * 65_536 + (1 << 20))
        for (path, data) in [(inside, 2 * 65_536), (trailing, 1 << 20), (holes, 0)] {
            let original = try Fixtures.lstat(path), restored = try Fixtures.lstat(target + path)
            #expect(restored.st_size == original.st_size, "\(path)")
            #expect(Int(restored.st_blocks) * 512 <= data + (256 << 10), "holes stay holes: \(path) has \(restored.st_blocks) blocks")
            #expect(try Data(contentsOf: URL(fileURLWithPath: target + path)) == Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }

    /// Names of one inode become names of one inode again, across directories, for a file
    /// with content and an empty one; with `--include` the first name restored holds the
    /// content and the others link to it.
    @Test func hardLinksShareOneInode() throws {
        let scene = try Fixtures.Scene()
        let source = scene.path("src")
        try Fixtures.makeDirectories("\(source)/dir/sub")
        var generator = SeededGenerator(seed: 67)
        let content = generator.bytes(1_500_000)
        try Fixtures.write(content, to: "\(source)/one", mode: 0o640)
        try #require(link("\(source)/one", "\(source)/dir/two") == 0)
        try #require(link("\(source)/one", "\(source)/dir/sub/three") == 0)
        try Fixtures.write([], to: "\(source)/empty1")
        try #require(link("\(source)/empty1", "\(source)/dir/empty2") == 0)
        try Fixtures.setMetadata("\(source)/one", mode: 0o640, mtime: Timestamp(seconds: 1_300_000_000, nanoseconds: 1))
        let stored = try scene.snapshot(source)

        let (summary, target) = try scene.restore(stored, jobs: 4)
        #expect(summary.problems.isEmpty, "\(summary.problems)")
        #expect(summary.files == 5 && summary.bytesWritten == UInt64(content.count))
        let names = ["one", "dir/two", "dir/sub/three"].map { "\(target)\(source)/\($0)" }
        let statuses = try names.map { try Fixtures.lstat($0) }
        #expect(Set(statuses.map(\.st_ino)).count == 1 && statuses.allSatisfy { $0.st_nlink == 3 })
        #expect(statuses[0].st_mode & 0o7777 == 0o640 && statuses[0].st_mtim.tv_sec == 1_300_000_000)
        #expect(try names.allSatisfy { Array(try Data(contentsOf: URL(fileURLWithPath: $0))) == content })
        let empties = try ["empty1", "dir/empty2"].map { try Fixtures.lstat("\(target)\(source)/\($0)") }
        #expect(empties[0].st_ino == empties[1].st_ino && empties[0].st_nlink == 2 && empties[0].st_size == 0)

        let (partial, partialTarget) = try scene.restore(stored, jobs: 4) { $0.include = [ExcludePattern("\(source)/dir")] }
        #expect(partial.problems.isEmpty, "\(partial.problems)")
        let two = try Fixtures.lstat("\(partialTarget)\(source)/dir/two"), three = try Fixtures.lstat("\(partialTarget)\(source)/dir/sub/three")
        #expect(two.st_ino == three.st_ino && two.st_nlink == 2)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: "\(partialTarget)\(source)/dir/sub/three"))) == content)
        #expect(!FileManager.default.fileExists(atPath: "\(partialTarget)\(source)/one"))
    }

    /// `--include` restores exactly the matching entries and what is inside matching
    /// directories, creating only the directories on the way to them.
    @Test func includeRestoresOnlyTheSubset() throws {
        let scene = try Fixtures.Scene()
        let source = scene.path("src")
        var generator = SeededGenerator(seed: 68)
        var all: [String: [UInt8]] = [:]
        for path in ["docs/a.txt", "docs/b.md", "src/main.c", "src/lib/x.c", "src/lib/deep/y.c", "src/notes.txt", "other/z.bin"] {
            try Fixtures.makeDirectories((("\(source)/\(path)") as NSString).deletingLastPathComponent)
            let bytes = generator.bytes(Int(generator.next() % 400_000) + 1)
            try Fixtures.write(bytes, to: "\(source)/\(path)")
            all[path] = bytes
        }
        let stored = try scene.snapshot(source)
        let (summary, target) = try scene.restore(stored, jobs: 4) {
            $0.include = [ExcludePattern("*.txt"), ExcludePattern("\(source)/src/lib")]
            $0.exclude = [ExcludePattern("\(source)/src/lib/deep")]
        }
        #expect(summary.problems.isEmpty, "\(summary.problems)")
        let restored = try Fixtures.capture(target + source)
        let wanted = ["docs/a.txt", "src/notes.txt", "src/lib/x.c"]
        #expect(Set(restored.keys) == Set(wanted + ["docs", "src", "src/lib"]), "\(restored.keys.sorted())")
        for path in wanted { #expect(restored[path]?.content == all[path], "\(path)") }
        #expect(summary.files == 3 && summary.directories == 1, "only src/lib is restored as a directory, with its metadata")
    }
}

/// How a pack's needed blobs become read requests.
@Suite struct PackSpansTests {
    private func pieces(_ ranges: [(offset: Int, length: Int)]) -> [PackEntry] {
        ranges.map { range in PackEntry(type: .data, id: .zero, offset: range.offset, length: range.length, plaintextLength: 0) }
    }

    @Test func smallGapsAreReadThroughLargeOnesSplit() {
        let list = pieces([(10, 100), (110, 50), (500_000, 10), (3_000_000, 20), (3_000_000, 20), (3_000_030, 5)])
        let spans = PackSpans(preferredReadSize: 0).split(list[...])
        #expect(spans == [0..<3, 3..<6])
        #expect(PackSpans.byteRange(of: 0..<3, in: list) == 10..<500_010)
        #expect(PackSpans.byteRange(of: 3..<6, in: list) == 3_000_000..<3_000_035)
    }

    @Test func objectStoresReadThroughGapsUpToTheirPreferredSize() {
        let list = pieces([(0, 10), (5_000_000, 10), (20_000_000, 10)])
        #expect(PackSpans(preferredReadSize: 0).split(list[...]) == [0..<1, 1..<2, 2..<3])
        #expect(PackSpans(preferredReadSize: 8 << 20).split(list[...]) == [0..<2, 2..<3])
    }

    @Test func spansStopAtTheMaximumButNeverSplitABlob() {
        let list = pieces([(0, 600), (600, 600), (1200, 600), (1800, 5000)])
        #expect(PackSpans(preferredReadSize: 0, gap: 100, maximumSpan: 1000).split(list[...]) == [0..<1, 1..<2, 2..<3, 3..<4])
        #expect(PackSpans(preferredReadSize: 0, gap: 100, maximumSpan: 1300).split(list[...]) == [0..<2, 2..<3, 3..<4])
        #expect(PackSpans(preferredReadSize: 0).split(list[0..<0]).isEmpty)
    }
}

extension ParallelRestoreTests {
    /// Issue 15 D10: one damaged tree blob loses only the entries under that directory; the
    /// rest is restored, and the tree counts as a damaged blob (exit 13).
    @Test func damagedTreeSpoilsOnlyItsSubtree() throws {
        let scene = try Fixtures.Scene()
        var generator = SeededGenerator(seed: 63)
        let blobs = (0..<4).map { _ in generator.bytes(50_000) }
        let files = [
            Fixtures.SyntheticFile(path: "a", pieces: [.blob(0)]),
            Fixtures.SyntheticFile(path: "d/e", pieces: [.blob(1)]),
            Fixtures.SyntheticFile(path: "d/f", pieces: [.blob(2)]),
            Fixtures.SyntheticFile(path: "x/y", pieces: [.blob(3)]),
        ]
        let stored = try Fixtures.syntheticSnapshot(files, blobs: blobs, in: scene.repository)
        let root = try scene.repository.loadTree(stored.snapshot.tree)
        let damaged = try #require(root.nodes.first { $0.name == Array("d".utf8) }?.subtree)
        let location = try #require(scene.repository.location(of: damaged))
        let hex = location.pack.hex
        try FormatFixtures.flipByte(at: location.offset + location.length / 2, of: "\(scene.directory)/repo/tree/\(hex.prefix(2))/\(hex)")

        for jobs in [1, 4] {
            let (summary, target) = try scene.restore(stored, jobs: jobs)
            #expect(summary.damagedBlobs == 1, "jobs \(jobs): \(summary.problems)")
            #expect(summary.problems.count == 1
                    && summary.problems[0].hasPrefix("/d: directory contents lost: tree blob \(damaged.hex) is damaged"),
                    "\(summary.problems)")
            for file in files where !file.path.hasPrefix("d/") {
                let restored = Array(try Data(contentsOf: URL(fileURLWithPath: "\(target)/\(file.path)")))
                #expect(restored == Fixtures.expectedContent(file, blobs: blobs), "jobs \(jobs): \(file.path)")
            }
            #expect(!FileManager.default.fileExists(atPath: "\(target)/d/e"))
        }
    }
}
