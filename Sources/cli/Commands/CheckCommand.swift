import Repo

enum CheckCommand {
    static func run(_ context: CommandContext) throws -> ExitCode {
        var subset: ReadDataSubset?
        if context.arguments.has("read-data") { subset = .all }
        if let text = context.arguments.value("read-data-subset") {
            guard let parsed = ReadDataSubset(text) else {
                throw UsageError("--read-data-subset needs n/m with 1 ≤ n ≤ m (e.g. 1/5) or a percentage above 0 and at most 100 (e.g. 10%), not \(text.debugDescription)")
            }
            subset = parsed
        }
        // The password is kept to tell key files of another repository (that it opens too).
        var password: [UInt8]?
        let passwords = context.passwords
        let opener = try context.opener(password: {
            let given = try passwords.password()
            password = given
            return given
        })
        let (repository, lock) = try opener.openLocked(exclusive: false, operation: "check", readOnly: true)
        defer { lock.release() }
        let report = try Checker(repository: repository, password: password).run(readData: subset) { step in
            if !context.output.json { context.output.detail(step) }
        }
        if context.output.json {
            context.output.emit(CheckMessage(report))
        } else {
            for note in report.notes { context.output.detail("note: \(note)") }
            for problem in report.problems { context.output.warning(problem) }
            context.output.line("\(report.snapshots) snapshots, \(report.trees) trees, \(report.blobs) blobs, \(report.packs) packs" +
                                (report.walFiles == 0 ? "" : ", \(report.walFiles) WAL files") +
                                (subset == nil ? "" : "; read \(report.packsRead) packs, \(Format.bytes(report.bytesRead))"))
            if report.archivedPacks > 0 {
                let amount = "\(report.archivedPacks) archived \(report.archivedPacks == 1 ? "pack" : "packs") (\(Format.bytes(report.archivedBytes)))"
                context.output.line(subset == nil ? "\(amount): not damage; their headers were not read (thaw them to check them)"
                                    : "skipped \(amount); thaw them to read")
            }
            if !report.notes.isEmpty {
                context.output.line("\(report.notes.count) pack(s) in no index: left by an interrupted operation (prune removes them), or the index was lost (`repo repair index` rebuilds it)")
            }
            context.output.line(report.isClean ? "no problems found" : "\(report.problems.count) problem(s) found")
        }
        return report.isClean ? .success : .damaged
    }
}
