import Crypto

/// The packs a restore will read, found before it writes anything: a walk over the
/// snapshot's trees (metadata, always readable) that selects entries as the planner does
/// and collects the packs of the selected files' blobs. Files already in the target are not
/// looked at, so their packs are counted too: a superset when a restore is run again over
/// part-restored files, exact otherwise.
struct RestoreNeeds {
    let repository: Repository
    let selection: RestoreSelection

    /// Pack ids, in the order the walk first needed them.
    func packs(of tree: Digest256) throws -> [Digest256] {
        var packs: [Digest256] = []
        var seen = Set<Digest256>()
        var paths = PathStack(FilePath("/"))
        var stack = [(cursor: TreeCursor(try repository.loadTree(tree)), included: selection.includesAll)]
        while !stack.isEmpty {
            guard let node = stack[stack.count - 1].cursor.next() else {
                stack.removeLast()
                if !stack.isEmpty { paths.pop() }
                continue
            }
            let path = paths.child(node.name)
            let choice = selection.choose(path, isDirectory: node.type == .directory, included: stack[stack.count - 1].included)
            if choice == .skip { continue }
            if node.type == .directory, let subtree = node.subtree {
                // A tree that cannot be read is the restore's to report, as damage.
                guard let below = try? repository.loadTree(subtree) else { continue }
                paths.push(node.name)
                stack.append((TreeCursor(below), choice == .restore))
            } else if node.type == .file {
                for case .blob(let id) in node.content {
                    if let pack = repository.location(of: id)?.pack, seen.insert(pack).inserted { packs.append(pack) }
                }
            }
        }
        return packs
    }
}
