import Crypto
import Storage
import Workers

/// Asks the store where each of some packs stands (one HEAD each, many in flight, as an
/// object store wants): which are archived, being thawed, or thawed. On a backend without
/// archive tiers it asks nothing.
public struct PackArchiveSurvey: Sendable {
    let backend: any Backend
    let cancellation: Cancellation

    public init(backend: any Backend, cancellation: Cancellation = .process) {
        self.backend = backend
        self.cancellation = cancellation
    }

    /// `packs` as (id, kind, size); the result holds those in an archive class. A pack that
    /// is missing is left to the command to find (as damage), not reported here.
    ///
    /// A listing of the packs' kinds first (one request per thousand objects on S3, which
    /// names each object's storage class): only packs it shows in a class that may need a
    /// thaw get a HEAD, so a repository with no archived pack costs a few requests, not
    /// one per pack.
    public func survey(_ packs: [(id: Digest256, kind: ObjectKind, size: Int)]) throws -> ArchivedPacks {
        guard backend.hasArchiveTiers, !packs.isEmpty else { return ArchivedPacks() }
        let listed = try candidates(Set(packs.map(\.kind)))
        return try ask(packs.filter { listed.contains(ObjectName($0.kind, $0.id.hex)) })
    }

    /// The packs of `kinds` that a listing shows in a class that may need a thaw; empty on
    /// a backend without archive tiers.
    func candidates(_ kinds: Set<ObjectKind> = [.dataPack, .treePack]) throws -> Set<ObjectName> {
        guard backend.hasArchiveTiers else { return [] }
        var names = Set<ObjectName>()
        for kind in kinds {
            for info in try backend.list(kind) where info.archiveClass != nil { names.insert(info.name) }
        }
        return names
    }

    /// One HEAD per pack of `packs`, `preferredConcurrency` at once, with no listing first:
    /// for packs known to be archived (a thaw being waited for).
    func ask(_ packs: [(id: Digest256, kind: ObjectKind, size: Int)]) throws -> ArchivedPacks {
        guard !packs.isEmpty else { return ArchivedPacks() }
        let backend = backend
        let states = try WorkerPool(threads: max(1, backend.preferredConcurrency), cancellation: cancellation).map(packs.count) { number in
            do throws(BackendError) {
                return Optional(try backend.archiveState(ObjectName(packs[number].kind, packs[number].id.hex)))
            } catch .notFound {
                return nil
            }
        }
        var result = ArchivedPacks()
        for (pack, state) in zip(packs, states) {
            guard let state, state != .hot else { continue }
            result.entries.append(ArchivedPacks.Entry(pack: pack.id, kind: pack.kind, size: pack.size, state: state))
        }
        return result
    }

    /// The packs of `repository`'s index among `ids` (data and tree packs alike), with the
    /// kind and size the index gives.
    public static func indexed(_ ids: some Sequence<Digest256>, in repository: Repository) -> [(id: Digest256, kind: ObjectKind, size: Int)] {
        repository.withIndex { index in
            ids.compactMap { id in index.pack(id).map { (id, $0.type.packKind, $0.size) } }
        }
    }

    /// The packs holding the content of the file `node`, once each.
    public static func packs(of node: Node, in repository: Repository) -> [(id: Digest256, kind: ObjectKind, size: Int)] {
        var seen = Set<Digest256>()
        var ids: [Digest256] = []
        for case .blob(let blob) in node.content {
            if let pack = repository.location(of: blob)?.pack, seen.insert(pack).inserted { ids.append(pack) }
        }
        return indexed(ids, in: repository)
    }
}
