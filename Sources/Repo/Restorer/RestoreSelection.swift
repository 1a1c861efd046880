/// Which entries `--include` and `--exclude` select: the one rule the planner and the
/// survey of the packs a restore needs (`RestoreNeeds`) both walk by.
struct RestoreSelection {
    enum Choice { case restore, descend, skip }

    let options: RestoreOptions

    /// Whether everything under the snapshot's root is included from the start.
    var includesAll: Bool { options.include.isEmpty }

    /// Whether to restore an entry, only pass through it (a directory that may hold
    /// included entries), or skip it; `included`: an enclosing directory was included.
    func choose(_ path: FilePath, isDirectory: Bool, included: Bool) -> Choice {
        if options.exclude.contains(where: { $0.matches(path, isDirectory: isDirectory) }) { return .skip }
        if included { return .restore }
        if options.include.contains(where: { $0.matches(path, isDirectory: isDirectory) }) { return .restore }
        return isDirectory ? .descend : .skip
    }
}
