import Foundation
import Synchronization
import Workers

/// A repository in a directory on an SFTP server, reached through the system's ssh
/// (`~/.ssh/config`, keys, agent and known_hosts apply) or `--sftp-command`: the layout
/// of the local backend (`LocalLayout`), written the same way (a temporary name, fsync
/// where the server offers fsync@openssh.com, a rename over the name).
///
/// One connection carries every request of the process, many in flight at once (the
/// pieces of an object, the callers of several threads). When it breaks, the request is
/// tried again on a new one within the retry budget, as S3's are; ssh refusing the host
/// key or the login is one line, never retried.
public final class SFTPBackend: Backend {
    public let location: String
    let server: SFTPLocation
    private let command: [String]
    private let environment: [String: String]
    private let retry: RetryPolicy
    /// REPO_SFTP_IDLE_TIMEOUT: seconds without a byte from the server while a request waits.
    private let idleTimeout: Double
    private let onRetry: RetryObserver?
    /// The connection in use; replaced when it breaks. The lock is held while connecting,
    /// so that callers waiting for a new connection share one.
    private let current = NSLock()
    nonisolated(unsafe) private var connection: SFTPConnection?
    /// The failure of the first request that spent its whole budget: later ones get one try.
    private let firstGiveUp = Mutex<BackendError?>(nil)

    /// `url` is `sftp:[USER@]HOST:PATH` or `sftp://[USER@]HOST[:PORT]/PATH`. REPO_SFTP_COMMAND
    /// (`--sftp-command`), when set, is run with `sh -c` instead of ssh; REPO_RETRY_BUDGET
    /// bounds the retries, REPO_SFTP_IDLE_TIMEOUT (default 2 minutes) the silence of a server.
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                onRetry: RetryObserver? = nil) throws(BackendError) {
        server = try SFTPLocation(parsing: url)
        location = server.description
        if let override = environment["REPO_SFTP_COMMAND"], !override.trimmingCharacters(in: .whitespaces).isEmpty {
            command = ["/bin/sh", "-c", override]
        } else {
            command = server.sshCommand()
        }
        self.environment = SecretVariables.removed(from: environment)
        var retry = RetryPolicy()
        if let text = environment["REPO_RETRY_BUDGET"] {
            retry.budget = try S3Configuration.duration(text, name: "REPO_RETRY_BUDGET", range: S3Configuration.budgetRange)
        }
        self.retry = retry
        idleTimeout = try environment["REPO_SFTP_IDLE_TIMEOUT"].map { (text) throws(BackendError) in
            try S3Configuration.duration(text, name: "REPO_SFTP_IDLE_TIMEOUT", range: 0.5...3600)
        } ?? 120
        self.onRetry = onRetry
    }

    deinit {
        connection?.close()
    }

    /// Creates the repository directory (and its parents) with the directory of every kind
    /// and the shards of the sharded ones; fails if a repository is there already.
    public static func create(url: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                              onRetry: RetryObserver? = nil) throws(BackendError) -> SFTPBackend {
        let backend = try SFTPBackend(url: url, environment: environment, onRetry: onRetry)
        try backend.makeLayout()
        return backend
    }

    /// Opens the repository, which must hold a `config`.
    public static func open(url: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            onRetry: RetryObserver? = nil) throws(BackendError) -> SFTPBackend {
        let backend = try SFTPBackend(url: url, environment: environment, onRetry: onRetry)
        if try backend.stat(.config) == nil { throw .repositoryNotFound(location: backend.location) }
        return backend
    }

    /// Several uploads share the connection; pipelining keeps it busy.
    public var preferredConcurrency: Int { 4 }
    /// A round trip costs about as much as a few pieces' worth of bytes.
    public var preferredReadSize: Int { 1 << 20 }

    // MARK: Backend

    public func list(_ kind: ObjectKind) throws(BackendError) -> [ObjectInfo] {
        if kind == .config { return try stat(.config).map { [$0] } ?? [] }
        let directory = server.remote(kind.rawValue)
        return try perform("LIST \(kind.rawValue)/", path: directory) { connection throws(SFTPFailure) in
            let top = try connection.list([directory])
            guard let entries = top[directory] else {
                // As on a local disk: a kind added to the format later may lack its directory.
                if LocalLayout.addedLater.contains(kind) { return [] }
                throw .settled(.io(operation: "list", path: self.display(directory), errno: ENOENT))
            }
            guard kind.isSharded else { return Self.objects(entries, kind: kind, shard: nil) }
            let shards = entries.map(\.name).filter(LocalLayout.isShard)
            let listed = try connection.list(shards.map { "\(directory)/\($0)" })
            return shards.flatMap { shard in Self.objects(listed["\(directory)/\(shard)"] ?? [], kind: kind, shard: shard) }
        }
    }

    public func read(_ name: ObjectName) throws(BackendError) -> [UInt8] {
        var bytes: [UInt8] = []
        return try readObject(name, range: nil, into: &bytes)
    }

    public func read(_ name: ObjectName, range: Range<Int>) throws(BackendError) -> [UInt8] {
        var bytes: [UInt8] = []
        return try readObject(name, range: range, into: &bytes)
    }

    public func read(_ name: ObjectName, range: Range<Int>, into buffer: inout [UInt8]) throws(BackendError) {
        buffer = try readObject(name, range: range, into: &buffer)
    }

    /// `range` of the object, or all of it when nil (its size from FSTAT).
    /// The bytes come back in `buffer`'s storage, taken from it (it is left empty).
    private func readObject(_ name: ObjectName, range: Range<Int>?, into buffer: inout [UInt8]) throws(BackendError) -> [UInt8] {
        guard name.isValid else { throw .invalidName(name) }
        let path = server.remote(name.path)
        if let range, range.lowerBound < 0 { throw .io(operation: "read", path: display(path), errno: EINVAL) }
        var result: [UInt8] = []
        swap(&result, &buffer)
        try perform("GET \(Self.label(name))", path: path) { connection throws(SFTPFailure) in
            let handle: [UInt8]
            do throws(SFTPFailure) {
                handle = try connection.open(path, .read)
            } catch {
                if case .status(SFTPStatusCode.noSuchFile.rawValue, _) = error { throw .settled(.notFound(name)) }
                throw error
            }
            defer { try? connection.close(handle: handle) }
            let wanted: Range<Int>
            if let range {
                wanted = range
            } else {
                guard let size = try connection.attributes(ofHandle: handle).size else {
                    throw .settled(.service("\(self.display(path)): the server did not say the file's size"))
                }
                wanted = 0..<Int(size)
            }
            try connection.read(handle, range: wanted, into: &result)
            if result.count < wanted.count { throw .settled(.truncated(name, expected: wanted.count, actual: result.count)) }
        }
        return result
    }

    /// A temporary file beside the object, written, synced and renamed over the name.
    public func write(_ name: ObjectName, _ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        guard name.isValid else { throw .invalidName(name) }
        let path = server.remote(name.path)
        let directory = server.remote(LocalLayout.directory(of: name))
        nonisolated(unsafe) let source = bytes
        try perform("PUT \(Self.label(name))", path: path) { connection throws(SFTPFailure) in
            let temporary = "\(directory)/\(LocalLayout.temporaryName())"
            let handle: [UInt8]
            do throws(SFTPFailure) {
                handle = try connection.open(temporary, [.write, .create, .exclusive], permissions: 0o600)
            } catch {
                // A copy of the repository may lack an empty shard directory: recreate it.
                guard case .status(SFTPStatusCode.noSuchFile.rawValue, _) = error else { throw error }
                try connection.makeDirectories(self.parents(of: name))
                handle = try connection.open(temporary, [.write, .create, .exclusive], permissions: 0o600)
            }
            do throws(SFTPFailure) {
                try connection.write(handle, source)
                try connection.sync(handle)
                try connection.close(handle: handle)
                try connection.rename(temporary, to: path)
            } catch {
                if !error.isRetryable {
                    try? connection.close(handle: handle)
                    _ = try? connection.remove(temporary)
                }
                // A broken connection leaves the temporary to removeIncompleteWrites.
                throw error
            }
        }
    }

    public func delete(_ name: ObjectName) throws(BackendError) {
        guard name.isValid else { throw .invalidName(name) }
        let path = server.remote(name.path)
        try perform("DELETE \(Self.label(name))", path: path) { connection throws(SFTPFailure) in
            try connection.remove(path)
        }
    }

    public func stat(_ name: ObjectName) throws(BackendError) -> ObjectInfo? {
        guard name.isValid else { throw .invalidName(name) }
        let path = server.remote(name.path)
        return try perform("STAT \(Self.label(name))", path: path) { connection throws(SFTPFailure) in
            guard let attributes = try connection.attributes(of: path), attributes.isDirectory != true else { return nil }
            return ObjectInfo(name: name, size: Int(attributes.size ?? 0))
        }
    }

    /// Removes temporary files not modified for `seconds`, by the server's clock against
    /// this host's; best effort, as on a local disk.
    public func removeIncompleteWrites(of kinds: Set<ObjectKind>, olderThan seconds: Double) throws(BackendError) -> Int {
        let cutoff = Date().timeIntervalSince1970 - seconds
        var directories = kinds.contains(.config) ? [server.path] : []
        let kindDirectories = LocalLayout.kindDirectories.filter { kinds.contains($0) }.map { server.remote($0.rawValue) }
        directories += kindDirectories
        return try perform("CLEAN temporaries", path: server.path) { connection throws(SFTPFailure) in
            let shards = LocalLayout.kindDirectories.filter { kinds.contains($0) && $0.isSharded }.flatMap { kind in
                LocalLayout.shards.map { self.server.remote("\(kind.rawValue)/\($0)") }
            }
            var listed = try connection.list(directories + shards)
            var removed = 0
            for (directory, entries) in listed {
                for entry in entries where entry.name.hasPrefix(LocalLayout.temporaryPrefix) {
                    guard let modified = entry.attributes.modified, Double(modified) < cutoff else { continue }
                    if (try? connection.remove("\(directory)/\(entry.name)")) == true { removed += 1 }
                }
            }
            listed.removeAll()
            return removed
        }
    }

    // MARK: Connections and retries

    /// Runs `body` on the connection, on a new one after it broke, as the retry policy
    /// allows; `request` and `path` name it in messages.
    @discardableResult
    private func perform<T>(_ request: String, path: String,
                            _ body: (SFTPConnection) throws(SFTPFailure) -> T) throws(BackendError) -> T {
        let started = Date()
        var attempt = 0
        while true {
            attempt += 1
            let failure: SFTPFailure
            do throws(SFTPFailure) {
                let connection = try connected()
                do throws(SFTPFailure) {
                    return try body(connection)
                } catch {
                    if error.isRetryable || !(error.isStatus || error.isSettled) { drop(connection) }
                    throw error
                }
            } catch {
                failure = error
            }
            switch failure {
            case .settled(let error): throw error
            case .status(let code, let message): throw statusError(code, message, request: request, path: path)
            case .refused(let message), .malformed(let message): throw .service(message)
            case .lost: break
            }
            let elapsed = Date().timeIntervalSince(started)
            let stopping = Cancellation.process.isCancelled
            let policy = firstGiveUp.withLock { $0 } != nil ? retry.singleTry : retry
            guard let wait = policy.nextWait(after: attempt, elapsed: elapsed), !stopping else {
                let tries = "\(attempt) \(attempt == 1 ? "attempt" : "attempts")"
                let advice = stopping ? "not tried again: the command is stopping" : "check the network and the server, and try again"
                let error = BackendError.unreachable(
                    "the server at \(location) did not answer \(request) for \(TimeSpan.describeElapsed(elapsed)) "
                    + "(\(tries), retry budget \(TimeSpan.describe(retry.budget)); last: \(failure.description)); \(advice)")
                if stopping { throw error }
                throw firstGiveUp.withLock { first in
                    if first == nil { first = error }
                    return first!
                }
            }
            onRetry?(RetryEvent(store: location, request: request, failure: failure.description, attempt: attempt,
                                wait: wait, elapsed: elapsed))
            S3Client.sleep(wait)
        }
    }

    /// The connection in use, or a new one.
    private func connected() throws(SFTPFailure) -> SFTPConnection {
        current.lock()
        defer { current.unlock() }
        if let connection, !connection.isBroken { return connection }
        connection?.close()
        connection = nil
        let fresh = try SFTPConnection(command: command, environment: environment, host: server.destination, idleTimeout: idleTimeout)
        connection = fresh
        return fresh
    }

    /// Forgets `broken` (unless another caller replaced it already) and ends it.
    private func drop(_ broken: SFTPConnection) {
        current.lock()
        if connection === broken { connection = nil }
        current.unlock()
        broken.close()
    }

    /// The ssh process of the connection in use, for tests that cut it.
    var connectionProcessID: pid_t? {
        current.lock()
        defer { current.unlock() }
        return connection?.processID
    }

    private func statusError(_ code: UInt32, _ message: String, request: String, path: String) -> BackendError {
        let operation = request.split(separator: " ").first.map { $0.lowercased() } ?? "use"
        switch SFTPStatusCode(rawValue: code) {
        case .permissionDenied: return .io(operation: operation, path: display(path), errno: EACCES)
        case .noSuchFile: return .io(operation: operation, path: display(path), errno: ENOENT)
        default:
            let text = message.isEmpty ? "SFTP status \(code)" : "\(message) (SFTP status \(code))"
            return .service("cannot \(operation) \(display(path)): \(text)")
        }
    }

    // MARK: Layout

    /// The repository directory, its parents, and the directories of every kind.
    private func makeLayout() throws(BackendError) {
        let root = server.path
        try perform("MKDIR \(root)", path: root) { connection throws(SFTPFailure) in
            if let attributes = try connection.attributes(of: root), attributes.isDirectory == false {
                throw .settled(.notADirectory(location: self.location))
            }
            try connection.makeDirectories(Self.ancestors(of: root) + [root])
            if try connection.attributes(of: self.server.remote("config")) != nil {
                throw .settled(.alreadyExists(location: self.location))
            }
            var directories: [String] = []
            for kind in LocalLayout.kindDirectories {
                directories.append(self.server.remote(kind.rawValue))
                if kind.isSharded { directories += LocalLayout.shards.map { self.server.remote("\(kind.rawValue)/\($0)") } }
            }
            try connection.makeDirectories(directories)
        }
    }

    /// The kind directory and shard an object's write needs, on the server.
    private func parents(of name: ObjectName) -> [String] {
        guard name.kind != .config else { return [] }
        let kind = server.remote(name.kind.rawValue)
        return name.kind.isSharded ? [kind, "\(kind)/\(name.id.prefix(2))"] : [kind]
    }

    /// `/a/b/c` → `/a`, `/a/b`; `a/b` → `a`. The root and the login directory are not created.
    static func ancestors(of path: String) -> [String] {
        let absolute = path.hasPrefix("/")
        let components = path.split(separator: "/")
        guard components.count > 1 else { return [] }
        return (1..<components.count).map { count in
            (absolute ? "/" : "") + components.prefix(count).joined(separator: "/")
        }
    }

    private static func objects(_ entries: [SFTPDirectoryEntry], kind: ObjectKind, shard: String?) -> [ObjectInfo] {
        entries.compactMap { entry in
            guard ObjectName.isValidID(entry.name), shard.map({ entry.name.hasPrefix($0) }) ?? true,
                  entry.attributes.isRegularFile != false else { return nil }
            return ObjectInfo(name: ObjectName(kind, entry.name), size: Int(entry.attributes.size ?? 0))
        }
    }

    /// `data/ab/ab12cd34ef56…`: how retry lines name an object.
    private static func label(_ name: ObjectName) -> String {
        name.id.count > 16 ? String(name.path.dropLast(name.id.count - 12)) + "…" : name.path
    }

    /// A path on the server, for messages: `sftp://host/path/...`.
    private func display(_ path: String) -> String {
        let relative = path == server.path ? "" : String(path.dropFirst(server.path.count + 1))
        return relative.isEmpty ? location : location.hasSuffix("/") ? location + relative : "\(location)/\(relative)"
    }
}

extension SFTPFailure {
    var isSettled: Bool {
        if case .settled = self { return true }
        return false
    }
}
