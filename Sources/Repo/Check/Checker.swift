import Crypto
import Foundation
import Storage
import Workers

/// Verifies a repository: structure always (snapshots, trees, index, pack sizes and
/// headers), and with `readData` every stored byte (pack hashes, blob authentication,
/// blob ids).
public struct Checker: Sendable {
    let repository: Repository
    /// Raised, the check stops between packs and reports no verdict.
    let cancellation: Cancellation
    /// The password that opened the repository, to recognise key files of another
    /// repository; nil: key files are checked only for what needs no password.
    let password: [UInt8]?

    public init(repository: Repository, password: [UInt8]? = nil, cancellation: Cancellation = .process) {
        self.repository = repository
        self.password = password
        self.cancellation = cancellation
    }

    public func run(readData: ReadDataSubset?, progress: ((String) -> Void)? = nil) throws -> CheckReport {
        var report = CheckReport()
        let backend = repository.backend
        report.problems += try keyProblems()
        report.problems += repository.keyringProblems()

        // Packs as stored, against packs as indexed.
        let stored = try repository.storedPacks()
        let indexed = repository.withIndex { $0.packs }
        report.packs = indexed.count
        var indexedIDs = Set<Digest256>()
        for pack in indexed {
            indexedIDs.insert(pack.id)
            guard let (kind, size) = stored[pack.id] else {
                report.problems.append("pack \(pack.id.hex) is in the index but missing from the repository")
                continue
            }
            if kind != pack.type.packKind {
                report.problems.append("pack \(pack.id.hex) is stored under \(kind.rawValue)/ but indexed as \(pack.type)")
            }
            if size != pack.size {
                report.problems.append("pack \(pack.id.hex) has \(size) bytes, the index says \(pack.size)")
            }
        }
        let condemned = Set(try repository.condemnedLists().flatMap { $0.1.map(\.pack.id) })
        for id in stored.keys where !indexedIDs.contains(id) {
            report.notes.append(condemned.contains(id)
                ? "pack \(id.hex) is condemned by a prune and awaits deletion by the next one"
                : "pack \(id.hex) is not in any index (left by an interrupted operation; the next snapshot adopts it if it holds new data, else prune removes it)")
        }

        // Index objects as stored, never the cache's copies: each matches its name, opens
        // and decodes.
        progress?("checking index objects")
        for info in try backend.list(.index) {
            do {
                _ = try repository.indexObject(info.name, cached: false)
            } catch {
                report.problems.append("\(error)")
            }
        }

        // Snapshots and the trees they reach: every tree loads, every blob is indexed.
        progress?("checking snapshots and trees")
        var seenTrees = Set<Digest256>()
        let storedPacks = Set(stored.keys)
        for info in try backend.list(.snapshots) {
            let stored: StoredSnapshot
            do {
                stored = try repository.loadSnapshot(id: info.name.id)
            } catch {
                report.problems.append("snapshot \(info.name.id.prefix(8)): \(error)")
                continue
            }
            report.snapshots += 1
            checkTree(stored.snapshot.tree, path: "snapshot \(stored.shortID):/", storedPacks: storedPacks, seen: &seenTrees,
                      report: &report)
        }
        report.trees = seenTrees.count
        progress?("checking the WAL archive")
        report.problems += try walProblems(report: &report)
        report.blobs = repository.indexedBlobCount

        // Pack headers agree with the index (and, reading data, every byte is sound).
        progress?(readData == nil ? "checking pack headers" : "reading all data")
        try checkPacks(indexed.filter { stored[$0.id] != nil }, readData: readData, report: &report)
        return report
    }

    /// Checks the tree `id` and every tree below it not `seen` before, in depth-first order.
    /// A loop over a stack of open trees, not recursion: a snapshot may be deeper than a
    /// thread's stack allows. Paths are made only for messages, from the names on the stack.
    private func checkTree(_ id: Digest256, path root: String, storedPacks: Set<Digest256>, seen: inout Set<Digest256>,
                           report: inout CheckReport) {
        var names: [String] = []
        func path(_ name: String) -> String {
            (names + [name]).reduce(root) { path, name in path + (path.hasSuffix("/") ? "" : "/") + name }
        }
        func open(_ id: Digest256, at path: @autoclosure () -> String) -> TreeCursor? {
            guard seen.insert(id).inserted else { return nil }
            do {
                return TreeCursor(try repository.loadTree(id))
            } catch {
                report.problems.append("tree \(id.hex) at \(path()): \(error)")
                return nil
            }
        }
        guard let top = open(id, at: root) else { return }
        var stack = [top]
        while !stack.isEmpty {
            guard let node = stack[stack.count - 1].next() else {
                stack.removeLast()
                if !stack.isEmpty { names.removeLast() }
                continue
            }
            switch node.type {
            case .directory:
                guard let subtree = node.subtree else {
                    report.problems.append("directory \(path(node.displayName)) has no tree")
                    continue
                }
                if let below = open(subtree, at: path(node.displayName)) {
                    names.append(node.displayName)
                    stack.append(below)
                }
            case .file:
                for case .blob(let blob) in node.content where !repository.contains(blob) {
                    let childPath = path(node.displayName)
                    if repository.isOnlyCondemned(blob), let pack = repository.location(of: blob)?.pack, !storedPacks.contains(pack) {
                        report.problems.append("file \(childPath): blob \(blob.hex) is only in condemned pack \(pack.hex), which is missing from the repository")
                    } else if repository.isOnlyCondemned(blob) {
                        report.notes.append("file \(childPath): blob \(blob.hex) is only in a condemned pack (a snapshot raced a prune); the next prune puts it back into the index")
                    } else {
                        report.problems.append("file \(childPath): blob \(blob.hex) is not in the index")
                    }
                }
            default:
                break
            }
        }
    }

    /// Compares every pack's own header with the index; with `readData`, reads whole packs
    /// (on all cores) and verifies their hash, every blob's tag and every blob's id.
    private func checkPacks(_ packs: [BlobIndex.Pack], readData: ReadDataSubset?, report: inout CheckReport) throws {
        let selected = packs.filter { readData?.includes(packID: $0.id.hex) ?? true }
        let verdicts = try PackVerifier(repository: repository, segmentSize: segmentSize)
            .verify(selected, readingData: readData != nil, cancellation: cancellation) { done, total in
                "check stopped after \(done) of \(total) packs, without a verdict; it changed nothing"
            }
        for (pack, verdict) in zip(selected, verdicts) {
            if verdict.archived {
                report.archivedPacks += 1
                report.archivedBytes += UInt64(pack.size)
            }
            report.problems.append(contentsOf: verdict.problems)
            report.bytesRead += verdict.bytes
            if verdict.read { report.packsRead += 1 }
        }
    }

    /// How much of a pack a worker reads at once from a disk (tests make it small).
    var segmentSize = 4 << 20
}
