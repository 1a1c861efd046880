import Foundation
import TestSupport

/// Runs the server tools (initdb, pg_ctl, psql, mariadb-install-db, mariadb) to their end.
enum ServerCommand {
    /// Runs `arguments` (program looked up on PATH and in the sbin directories) and returns
    /// its standard output trimmed; throws `DatabaseServerError` with its stderr tail.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        // Files, not pipes: a server that pg_ctl leaves running must not hold our end open.
        let output = try CapturedOutput(), errors = try CapturedOutput()
        let pid = try start(arguments, output: output.descriptor, errors: errors.descriptor)
        let status = Spawn.wait(pid)
        guard status == 0 else {
            let tail = errors.text.split(separator: "\n").suffix(4).joined(separator: " | ")
            throw DatabaseServerError("\(arguments.prefix(3).joined(separator: " ")) … exited with status \(status): \(tail)")
        }
        return output.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts `arguments` (program looked up as `locate` does) and returns its pid. Standard
    /// input is /dev/null, `output` is 1, `errors` is 2, and the child gets no other
    /// descriptor: a server that pg_ctl leaves running must not hold any of ours, or
    /// `pg_ctl start` would never seem to finish.
    static func start(_ arguments: [String], output: Int32, errors: Int32) throws -> pid_t {
        let executable = try locate(arguments[0])
        do {
            return try Spawn.start(.path(executable), arguments: arguments, output: output, errors: errors,
                                   closeOtherDescriptors: true)
        } catch let error as SpawnError {
            throw DatabaseServerError(error.description)
        }
    }

    /// The executable for `program`: itself when it holds a slash, else found on PATH or in
    /// the sbin directories (where mariadbd and runuser live).
    static func locate(_ program: String) throws -> String {
        if program.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: program) else { throw missing(program) }
            return program
        }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin:/usr/local/sbin"
        for directory in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(directory)/\(program)") {
            return "\(directory)/\(program)"
        }
        throw missing(program)
    }

    static func missing(_ program: String) -> DatabaseServerError {
        DatabaseServerError("\(program) is not installed: run scripts/setup.sh (it installs PostgreSQL, MariaDB and SQLite)")
    }
}

/// An unlinked temporary file that a child writes one of its streams to.
final class CapturedOutput {
    let descriptor: Int32
    private let handle: FileHandle

    init() throws {
        var template = Array("/tmp/repo-server-output-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        // Close-on-exec: the child's copies on 1 and 2 are enough; a server must not keep this.
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        guard descriptor >= 0 else { throw DatabaseServerError("cannot create a file in /tmp: \(String(cString: strerror(errno)))") }
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        self.descriptor = descriptor
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    var text: String {
        let bytes = (try? handle.seek(toOffset: 0)).flatMap { _ in try? handle.readToEnd() } ?? Data()
        return String(decoding: bytes, as: UTF8.self)
    }
}
