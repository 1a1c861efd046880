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
                : "pack \(id.hex) is not in any index (left by an interrupted operation; prune removes it)")
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
        let expected = repository.withIndex { index in
            var byPack: [Digest256: [PackEntry]] = [:]
            index.forEach { id, location in
                byPack[location.pack, default: []].append(PackEntry(type: location.type, id: id, offset: location.offset,
                                                                    length: location.length, plaintextLength: location.plaintextLength))
            }
            return byPack
        }
        let selected = packs.filter { readData?.includes(packID: $0.id.hex) ?? true }
        let results = ResultSlots<(problems: [String], bytes: UInt64, read: Bool)>(count: selected.count)
        let pool = WorkerPool(threads: ProcessInfo.processInfo.activeProcessorCount, cancellation: cancellation)
        do {
            try pool.forEach(selected.count, makeWorker: { PackBlobReader(store: repository.blobs) }) { reader, index in
                let pack = selected[index]
                results.set(index, verify(pack, expected: expected[pack.id] ?? [], reading: readData == nil ? nil : reader))
            }
        } catch let stop as Cancelled {
            throw stop.saying("check stopped after \(results.count) of \(selected.count) packs, without a verdict; it changed nothing")
        }
        for result in results.values {
            report.problems.append(contentsOf: result.problems)
            report.bytesRead += result.bytes
            if result.read { report.packsRead += 1 }
        }
    }

    /// `reader` is given when the data is read.
    private func verify(_ pack: BlobIndex.Pack, expected: [PackEntry], reading reader: PackBlobReader?) -> (problems: [String], bytes: UInt64, read: Bool) {
        let name = ObjectName(pack.type.packKind, pack.id.hex)
        let label = "pack \(pack.id.hex)"
        var problems = [String]()
        let header: [PackEntry]
        do {
            // Only the preamble and the header: two small ranged reads.
            let stored = try repository.blobs.storedHeader(of: name, size: pack.size, label: label, guess: 16384)
            if stored.salt != pack.salt { problems.append("\(label): salt differs from the index") }
            header = stored.entries
        } catch {
            problems.append("\(label): \(error)")
            return (problems, 0, reader != nil)
        }
        let indexedSet = Set(expected.map { "\($0.id.hex)@\($0.offset)+\($0.length)" })
        let headerSet = Set(header.map { "\($0.id.hex)@\($0.offset)+\($0.length)" })
        for entry in expected where !headerSet.contains("\(entry.id.hex)@\(entry.offset)+\(entry.length)") {
            problems.append("\(label): blob \(entry.id.hex) is in the index but not in the pack header")
        }
        if headerSet.count != header.count || indexedSet.count > headerSet.count {
            problems.append("\(label): header lists \(header.count) blobs, index \(expected.count)")
        }
        guard let reader else { return (problems, 0, false) }
        let bytes = verifyData(of: pack, header: header, reader: reader, problems: &problems)
        return (problems, bytes, true)
    }

    /// Reads the whole pack in segments of about `segmentSize` that end between blobs:
    /// hashes every byte against the pack's name, and opens and checks every blob. Returns
    /// the bytes read.
    private func verifyData(of pack: BlobIndex.Pack, header: [PackEntry], reader: PackBlobReader, problems: inout [String]) -> UInt64 {
        var read: UInt64 = 0
        let packHasher = SHA256Hasher()
        // An object store charges by the request: there, whole packs in one read.
        let segmentSize = max(self.segmentSize, 4 * repository.backend.preferredReadSize)
        do {
            try reader.load(header, fromPack: pack.id, type: pack.type,
                            spans: PackSpans(preferredReadSize: 0, gap: .max / 4, maximumSpan: segmentSize), wholePack: pack.size,
                            read: { bytes in
                                read += UInt64(bytes.count)
                                packHasher.update(bytes)
                            },
                            unreadable: { _, error in throw error }) { _, result in
                if case .failure(let error) = result { problems.append("\(error)") }
            }
            if packHasher.finalize() != pack.id {
                problems.insert("pack \(pack.id.hex): content does not match its name (SHA-256 differs): the pack is damaged", at: 0)
            }
        } catch {
            problems.append("pack \(pack.id.hex): \(error)")
        }
        return read
    }

    /// How much of a pack a worker reads at once from a disk (tests make it small).
    var segmentSize = 4 << 20
}
