import Crypto
import Storage
import Workers

/// Takes damaged packs out of the repository (docs/design.md, "Repairing damaged packs"):
/// every blob of theirs that still reads and verifies is copied into new packs, the index is
/// rewritten without them, and they are deleted. A blob that is lost is then unknown to the
/// index, so the next snapshot of its source stores it again, and `repair snapshots`
/// rewrites the snapshots that still refer to what no source brings back.
///
/// Order of writes, each step leaving a repository that checks clean or that a rerun completes:
/// 1. the salvaged blobs are stored in new packs and indexed (copies of what stays indexed);
/// 2. index objects that list a damaged pack are replaced: the new ones written first;
/// 3. the damaged packs are deleted.
/// A rerun after step 1 copies nothing again (a blob another pack holds is not copied); one
/// after step 2 finds the damaged packs in no index, and deletes them as it deletes any
/// damaged pack in no index, once it holds no blob the index lacks.
public struct PackRepair {
    let repository: Repository
    let options: PackRepairOptions

    public init(repository: Repository, options: PackRepairOptions) {
        self.repository = repository
        self.options = options
    }

    /// A pack to repair.
    private struct Target {
        let pack: BlobIndex.Pack
        /// Whether an index object lists it; else its blobs are those its own header lists.
        let indexed: Bool
        /// Indexed, but not stored (or stored as the other kind of pack).
        var missing = false
        /// What is wrong with it; nil: nothing was found.
        var problem: String?
        /// The blobs of a pack in no index, from its header (none when that does not open).
        var headerEntries: [PackEntry] = []
    }

    /// Runs under the exclusive lock, which the caller holds.
    public func run(progress: ((String) -> Void)? = nil) throws -> PackRepairReport {
        var report = PackRepairReport(dryRun: options.dryRun)
        progress?("listing packs")
        let stored = try repository.storedPacks()
        let indexed = repository.withIndex { $0.packs }
        let indexedIDs = Set(indexed.map(\.id))
        let condemned = Set(try repository.condemnedLists().flatMap { $0.1.map(\.pack.id) })
        let unindexed = stored.keys.filter { !indexedIDs.contains($0) && !condemned.contains($0) }

        var targets: [Target]
        if options.packs.isEmpty {
            targets = try diagnose(indexed, stored: stored, progress: progress, into: &report)
            targets += try unindexed.compactMap { try diagnoseUnindexed($0, stored: stored, into: &report) }
            targets = targets.filter { $0.problem != nil }
        } else {
            var seen = Set<Digest256>()
            let named = try options.packs.map { try Self.resolve($0, among: indexedIDs.union(unindexed)) }.filter { seen.insert($0).inserted }
            targets = try diagnose(indexed.filter { seen.contains($0.id) }, stored: stored, progress: progress, into: &report)
            targets += named.filter { !indexedIDs.contains($0) }.map { unindexedTarget($0, stored: stored) }
        }
        guard !targets.isEmpty else { return report }
        do throws(Cancelled) { try options.cancellation.check() } catch {
            throw error.saying("repair packs stopped before changing anything")
        }

        // 1. Salvage. Runs to its end on a signal: what it copies is indexed before anything goes.
        let repacker = Repacker(repository: repository)
        try salvage(targets, with: repacker, into: &report)
        if options.dryRun { return report }
        try repacker.finish()

        // 2. The index without the repaired packs.
        progress?("rewriting the index")
        let repaired = zip(targets, report.packs).filter { $0.1.failure == nil }.map(\.0)
        let leaving = Set(repaired.filter(\.indexed).map(\.pack.id))
        let rewriter = IndexRewriter(repository: repository)
        if !leaving.isEmpty {
            let affected = try rewriter.objects(try repository.backend.list(.index).map(\.name), listing: leaving)
            let outcome = try rewriter.rewrite(affected, leaving: leaving)
            report.indexObjectsWritten = outcome.written
            report.indexObjectsRemoved = outcome.removed
        }

        // 3. The packs themselves.
        progress?("deleting \(repaired.count) packs")
        for target in repaired {
            try rewriter.deleteIfPresent(ObjectName(target.pack.type.packKind, target.pack.id.hex))
            report.packsDeleted += 1
        }
        try repository.loadIndex()
        return report
    }

    /// Copies what still reads of every target (only reads it, in a dry run), a line of the
    /// report each. A blob another pack holds is not copied, nor one copied already from
    /// another target; one that is lost here and copied from another target is not lost.
    private func salvage(_ targets: [Target], with repacker: Repacker, into report: inout PackRepairReport) throws {
        let (byPack, heldElsewhere) = repository.withIndex { $0.entries(ofPacks: Set(targets.filter(\.indexed).map(\.pack.id))) }
        var salvaged = Set<Digest256>()
        var lostEntries: [[PackEntry]] = []
        for target in targets {
            let entries = target.indexed ? byPack[target.pack.id] ?? [] : target.headerEntries
            let wanted = entries.filter { entry in
                !salvaged.contains(entry.id) && !(target.indexed ? heldElsewhere.contains(entry.id) : repository.contains(entry.id))
            }
            var line = PackRepairReport.Pack(id: target.pack.id.hex, type: target.pack.type, problem: target.problem)
            line.heldElsewhere = entries.count - wanted.count
            var lost: [PackEntry] = []
            do {
                lost = target.missing ? wanted : try repacker.salvage(wanted, of: target.pack, copying: !options.dryRun)
                let lostIDs = Set(lost.map(\.id))
                let copied = wanted.filter { !lostIDs.contains($0.id) }
                salvaged.formUnion(copied.map(\.id))
                line.salvaged = copied.count
            } catch {
                line.failure = "\(error)"
                lost = []
            }
            report.packs.append(line)
            lostEntries.append(lost)
        }
        for (index, lost) in lostEntries.enumerated() {
            report.packs[index].lost = lost.filter { !salvaged.contains($0.id) }.map(\.id.hex)
        }
    }

    /// What is wrong with each of the indexed `packs`: missing, of the wrong size, or (read
    /// whole, on all cores, as `check --read-data` reads) damaged.
    private func diagnose(_ packs: [BlobIndex.Pack], stored: [Digest256: (kind: ObjectKind, size: Int)],
                          progress: ((String) -> Void)?, into report: inout PackRepairReport) throws -> [Target] {
        var targets: [Target] = []
        var toRead: [BlobIndex.Pack] = []
        for pack in packs {
            guard let (kind, size) = stored[pack.id], kind == pack.type.packKind else {
                targets.append(Target(pack: pack, indexed: true, missing: true, problem: "missing from the repository"))
                continue
            }
            if size != pack.size {
                targets.append(Target(pack: pack, indexed: true, problem: "has \(size) bytes, the index says \(pack.size)"))
            } else {
                toRead.append(pack)
            }
        }
        progress?("reading \(toRead.count) packs")
        let verdicts = try PackVerifier(repository: repository)
            .verify(toRead, readingData: true, cancellation: options.cancellation) { done, total in
                "repair packs stopped after reading \(done) of \(total) packs, before changing anything"
            }
        for (pack, verdict) in zip(toRead, verdicts) {
            report.packsRead += 1
            report.bytesRead += verdict.bytes
            targets.append(Target(pack: pack, indexed: true, problem: Self.summary(verdict.problems, of: pack.id)))
        }
        return targets
    }

    /// A pack in no index (and not condemned by a prune) whose bytes do not hash to its name:
    /// left by a repair that stopped before deleting it, or damaged since an interrupted
    /// snapshot stored it. Nil when it is sound (prune removes it).
    private func diagnoseUnindexed(_ id: Digest256, stored: [Digest256: (kind: ObjectKind, size: Int)],
                                   into report: inout PackRepairReport) throws -> Target? {
        guard let kind = stored[id]?.kind, let bytes = try readIfStill(ObjectName(kind, id.hex)) else { return nil }
        report.packsRead += 1
        report.bytesRead += UInt64(bytes.count)
        guard SHA256.hash(bytes) != id else { return nil }
        var target = unindexedTarget(id, stored: stored)
        target.problem = "in no index, and its content does not match its name (SHA-256 differs)"
        return target
    }

    /// The object's bytes, or nil when it is gone since it was listed.
    private func readIfStill(_ name: ObjectName) throws -> [UInt8]? {
        do {
            return try repository.backend.read(name)
        } catch BackendError.notFound {
            return nil
        }
    }

    /// A pack in no index, described by its own header (no blobs when that does not open).
    private func unindexedTarget(_ id: Digest256, stored: [Digest256: (kind: ObjectKind, size: Int)]) -> Target {
        let (kind, size) = stored[id] ?? (.dataPack, 0)
        let type: BlobType = kind == .treePack ? .tree : .data
        guard let record = try? repository.blobs.indexRecord(of: ObjectInfo(name: ObjectName(kind, id.hex), size: size)) else {
            return Target(pack: BlobIndex.Pack(id: id, type: type, salt: [], size: size), indexed: false,
                          problem: "in no index, and its header does not open")
        }
        return Target(pack: BlobIndex.Pack(id: id, type: record.type, salt: record.salt, generation: record.generation, size: size),
                      indexed: false,
                      problem: nil, headerEntries: record.entries)
    }

    /// The most telling problem as `check` words it, without the pack's own name in front (the
    /// report names it), and how many more there are.
    private static func summary(_ problems: [String], of pack: Digest256) -> String? {
        // The pack's hash says only that something differs; a blob's problem says what.
        guard let first = problems.first(where: { !$0.contains("(SHA-256 differs)") }) ?? problems.first else { return nil }
        var text = Substring(first)
        for prefix in ["pack \(pack.hex): ", "pack \(pack.hex) is damaged: "] where text.hasPrefix(prefix) {
            text = text.dropFirst(prefix.count)
        }
        return problems.count == 1 ? String(text) : "\(text) (and \(problems.count - 1) more problem(s))"
    }

    /// The stored pack `spec` (a full id or a unique prefix) names, among `ids`.
    static func resolve(_ spec: String, among ids: Set<Digest256>) throws -> Digest256 {
        let prefix = spec.lowercased()
        guard !prefix.isEmpty, prefix.count <= 64, prefix.allSatisfy(\.isHexDigit) else { throw PackRepairError.notAPackID(spec) }
        let matching = ids.filter { $0.hex.hasPrefix(prefix) }
        guard let first = matching.first else { throw PackRepairError.packNotFound(spec) }
        guard matching.count == 1 else { throw PackRepairError.ambiguousPack(spec, matching.map { String($0.hex.prefix(12)) }.sorted()) }
        return first
    }
}
