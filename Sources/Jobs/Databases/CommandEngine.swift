import Foundation

/// Any command that writes a dump to standard output. Its dump restores through the
/// source's restore command (the dump on its standard input), or else into a file.
struct CommandEngine: DatabaseEngine {
    let source: DatabaseSource
    let environment: [String: String]

    func startDump() throws -> DumpStream {
        guard let command = source.command, !command.isEmpty else {
            throw DatabaseError.misconfigured(source: source.name, detail: "command sources need a command")
        }
        return try DumpProcess.start(command, environment: environment, source: source.name)
    }

    func targetState(_ target: String) throws -> RestoreTargetState {
        // What a restore command restores into is its own business.
        source.restoreCommand == nil ? try FileTarget.state(target) : .missing
    }

    func restore(into target: String, replace: Bool, writeDump: (Int32) throws -> Void) throws {
        guard let restoreCommand = source.restoreCommand else {
            return try FileTarget.write(to: target, replace: replace, writeDump: writeDump)
        }
        let command = restoreCommand.map { $0.replacingOccurrences(of: "{target}", with: target) }
        try PipedRestore.run(command, environment: environment, target: target, writeDump: writeDump)
    }

    func query(_ sql: String, in target: String) throws -> String {
        throw DatabaseError.misconfigured(source: source.name, detail: "command sources take no drill queries")
    }

    func drop(_ target: String) throws {
        guard source.restoreCommand == nil else {
            throw DatabaseError.misconfigured(source: source.name, detail: "cannot drop \(target): it was restored by the source's restore command")
        }
        try FileTarget.remove(target)
    }

    func scratchTarget(directory: String) -> String {
        FileTarget.scratch(in: directory, for: source.name, extension: "dump")
    }
}
