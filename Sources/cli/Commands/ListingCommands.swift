import Foundation
import Repo

/// snapshots, ls, diff, dump: reading a repository without changing it.
enum ListingCommands {
    static func snapshots(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository(loadIndex: false)
        let listing = try repository.snapshotListing()
        let list = listing.snapshots.filter { Commands.filter(context.arguments).matches($0.snapshot) }
        // The others are listed; the damaged ones are named on stderr, and the exit is 13.
        for damaged in listing.damaged { context.output.warning(damaged.warning) }
        let exit: ExitCode = listing.damaged.isEmpty ? .success : .damaged
        if context.output.json {
            context.output.emit(list.map(SnapshotEntry.init))
            return exit
        }
        context.output.line(row(["ID", "Time", "Host", "Tags", "Size", "Paths"]))
        for stored in list {
            let s = stored.snapshot
            context.output.line(row([stored.shortID, Format.time(s.time), s.host, s.tags.joined(separator: ","),
                                     Format.bytes(s.summary.bytesTotal), s.paths.joined(separator: " ") + (s.partial ? " (partial)" : "")]))
        }
        context.output.line("\(list.count) snapshot\(list.count == 1 ? "" : "s")")
        return exit
    }

    static func ls(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository()
        let spec = context.arguments.positionals[0], filter = Commands.filter(context.arguments)
        let long = context.arguments.has("long"), output = context.output
        let browser = SnapshotBrowser(repository: repository)
        // `/` is the whole snapshot, in every snapshot: no entry to look for.
        guard let path = context.arguments.positionals.dropFirst().first, path.contains(where: { $0 != "/" }) else {
            let stored = try repository.findSnapshot(spec, filter: filter)
            try browser.walk(stored.snapshot.tree) { path, node in show(node, path, long: long, output) }
            return .success
        }
        let (_, node) = try repository.findSnapshot(spec, containing: path, filter: filter)
        guard node.type == .directory, let subtree = node.subtree else {
            show(node, FilePath(path), long: long, output)
            return .success
        }
        try browser.walk(subtree, path: FilePath(path)) { path, node in show(node, path, long: long, output) }
        return .success
    }

    /// One entry of `ls`: what was asked for, so printed even with --quiet.
    private static func show(_ node: Node, _ path: FilePath, long: Bool, _ output: Output) {
        if output.json {
            output.emit(LsEntry(node, path: path))
            return
        }
        guard long else { return output.result(path.description) }
        let owner = "\(node.user ?? String(node.uid))/\(node.group ?? String(node.gid))"
        let time = Format.time(Date(timeIntervalSince1970: TimeInterval(node.mtime.seconds)))
        let target = node.linkTarget.map { " -> " + FilePath.display($0) } ?? ""
        output.result("\(modeString(node)) \(owner.padding(toLength: 16, withPad: " ", startingAt: 0)) \(String(node.size).leftPadded(12)) \(time) \(path)\(target)")
    }

    private static func modeString(_ node: Node) -> String {
        let kind: Character
        switch node.type {
        case .directory: kind = "d"
        case .symlink: kind = "l"
        case .fifo: kind = "p"
        case .characterDevice: kind = "c"
        case .blockDevice: kind = "b"
        case .socket: kind = "s"
        case .file: kind = "-"
        }
        let letters = Array("rwxrwxrwx")
        return String(kind) + String((0..<9).map { node.mode & (0o400 >> UInt32($0)) != 0 ? letters[$0] : "-" })
    }

    static func diff(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository()
        let a = try repository.findSnapshot(context.arguments.positionals[0])
        let b = try repository.findSnapshot(context.arguments.positionals[1])
        var counts: [SnapshotBrowser.Change.Kind: Int] = [:]
        try SnapshotBrowser(repository: repository).diff(a.snapshot.tree, b.snapshot.tree) { change in
            counts[change.kind, default: 0] += 1
            if context.output.json {
                context.output.emit(DiffChangeMessage(change: change.kind.rawValue, path: change.path))
            } else {
                context.output.line("\(change.kind.rawValue)    \(change.path)\(change.node.type == .directory ? "/" : "")")
            }
        }
        if !context.output.json {
            context.output.line("\(counts[.added] ?? 0) added, \(counts[.removed] ?? 0) removed, \(counts[.modified] ?? 0) modified, \(counts[.metadata] ?? 0) metadata changed")
        }
        return .success
    }

    static func dump(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository()
        let path = context.arguments.positionals[1]
        let (_, node) = try repository.findSnapshot(context.arguments.positionals[0], containing: path,
                                                    filter: Commands.filter(context.arguments))
        let browser = SnapshotBrowser(repository: repository)
        guard node.type == .file else { throw UsageError("\(path) is a \(node.type), not a file: use `repo restore`") }
        Console.flushOutput()
        try browser.dump(node, to: STDOUT_FILENO)
        return .success
    }

    private static func row(_ cells: [String]) -> String {
        let widths = [10, 21, 14, 14, 11]
        return cells.enumerated().map { $0.offset < widths.count ? $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) : $0.element }
            .joined()
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
