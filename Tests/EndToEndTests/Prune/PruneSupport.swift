import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// What the prune suites (PruneTests.swift) share: the state of a repository's files, its
// packs and objects, processes stopped mid-prune, random trees, and restores compared.

/// What identifies a file's version: size, mtime (seconds, nanoseconds) and inode. Objects
/// in a repository are written once under new names, so a changed file shows here.
struct FileState: Equatable, CustomStringConvertible {
    let size: Int
    let seconds: Int
    let nanoseconds: Int
    let inode: UInt64
    var description: String { "\(size) B, mtime \(seconds).\(nanoseconds), inode \(inode)" }
}

/// Every non-directory below `root`, by relative path.
func fileStates(under root: String) throws -> [String: FileState] {
    var result: [String: FileState] = [:]
    func visit(_ relative: String) throws {
        let path = relative.isEmpty ? root : root + "/" + relative
        for name in try FS.list(Array(path.utf8)) {
            let child = relative.isEmpty ? String(decoding: name, as: UTF8.self) : relative + "/" + String(decoding: name, as: UTF8.self)
            let status = try FS.lstat(Array((root + "/" + child).utf8))
            if status.st_mode & S_IFMT == S_IFDIR {
                try visit(child)
            } else {
                result[child] = FileState(size: Int(status.st_size), seconds: Int(status.st_mtim.tv_sec),
                                          nanoseconds: Int(status.st_mtim.tv_nsec), inode: UInt64(status.st_ino))
            }
        }
    }
    try visit("")
    return result
}

/// What differs between two `fileStates`, for messages.
func stateChanges(_ before: [String: FileState], _ after: [String: FileState]) -> String {
    var lines: [String] = []
    for (path, state) in before.sorted(by: { $0.key < $1.key }) {
        if let now = after[path] {
            if now != state { lines.append("changed \(path): \(state) → \(now)") }
        } else {
            lines.append("removed \(path)")
        }
    }
    for path in after.keys.sorted() where before[path] == nil { lines.append("added \(path)") }
    return lines.prefix(30).joined(separator: "\n") + (lines.count > 30 ? "\n… and \(lines.count - 30) more" : "")
}

/// The pack files of a repository (`data/xx/<id>` and `tree/xx/<id>`), by id, with their
/// sizes. Files that vanish while they are listed (a concurrent prune) are left out.
func packSizes(_ repository: String) -> [String: Int] {
    var result: [String: Int] = [:]
    for kind in ["data", "tree"] {
        let top = repository + "/" + kind
        for shard in (try? FS.list(Array(top.utf8))) ?? [] {
            let shardPath = top + "/" + String(decoding: shard, as: UTF8.self)
            for name in (try? FS.list(Array(shardPath.utf8))) ?? [] {
                let text = String(decoding: name, as: UTF8.self)
                guard text.count == 64, text.allSatisfy(\.isHexDigit) else { continue }
                guard let status = try? FS.lstat(Array((shardPath + "/" + text).utf8)) else { continue }
                result[text] = Int(status.st_size)
            }
        }
    }
    return result
}

func packIDs(_ repository: String) -> Set<String> { Set(packSizes(repository).keys) }

/// The pack files of a repository by id, with their paths relative to it (`data/xx/<id>`).
func packPaths(_ repository: String) -> [String: String] {
    var result: [String: String] = [:]
    for kind in ["data", "tree"] {
        for shard in (try? FS.list(Array((repository + "/" + kind).utf8))) ?? [] {
            let relative = kind + "/" + String(decoding: shard, as: UTF8.self)
            for name in (try? FS.list(Array((repository + "/" + relative).utf8))) ?? [] {
                let text = String(decoding: name, as: UTF8.self)
                if text.count == 64 && text.allSatisfy(\.isHexDigit) { result[text] = relative + "/" + text }
            }
        }
    }
    return result
}

/// Bytes of all pack files (data and tree).
func packBytes(_ repository: String) -> Int { packSizes(repository).values.reduce(0, +) }

/// The names in one directory of the repository (`locks`, `condemned` …); none if it is missing.
func names(in repository: String, _ directory: String) -> Set<String> {
    Set(((try? FS.list(Array((repository + "/" + directory).utf8))) ?? []).map { String(decoding: $0, as: UTF8.self) })
}

/// The objects in one directory of the repository: names of 64 hex digits only, not the
/// temporary files objects are written to before they are renamed into place (a process
/// killed or stopped between the two leaves one, which is not an object).
func objectIDs(_ repository: String, _ directory: String) -> Set<String> {
    names(in: repository, directory).filter { $0.count == 64 && $0.allSatisfy(\.isHexDigit) }
}

/// The lock objects of a repository.
func lockIDs(_ repository: String) -> Set<String> { objectIDs(repository, "locks") }

/// Whether `pid` is a process that has not exited (running or stopped; not a zombie).
func isRunning(_ pid: pid_t) -> Bool {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return false }
    let state = text[text.index(after: close)...].drop { $0 == " " }.first
    return state != nil && state != "Z" && state != "X"
}

/// A snapshot (`arguments`: `snapshot …`) stopped (SIGSTOP) once it holds its lock and has
/// written `packs` packs; `what` names it in the requirement. If it ends first, it fails
/// that requirement (and is reaped).
func stoppedSnapshot(_ workspace: Workspace, _ arguments: [String], packs: Int, _ what: String = "the snapshot") throws -> ChildProcess {
    let baseline = packIDs(workspace.repository)
    let child = try workspace.start(arguments)
    let writing = waitUntil(timeout: 60) {
        !isRunning(child.pid)
            || (!lockIDs(workspace.repository).isEmpty && packIDs(workspace.repository).subtracting(baseline).count >= packs)
    }
    child.kill(SIGSTOP)
    do {
        try #require(writing && isRunning(child.pid), "\(what) should be stopped while it runs")
    } catch {
        child.kill(SIGKILL)
        _ = child.wait()
        throw error
    }
    return child
}

/// A prune stopped (SIGSTOP) while it holds its lock, or nil when in `attempts` tries every
/// prune finished first; `makeGarbage` runs before each, so the prune has work to do.
func stoppedPrune(_ workspace: Workspace, attempts: Int, makeGarbage: () throws -> Void) throws -> ChildProcess? {
    for _ in 0..<attempts {
        try makeGarbage()
        let prune = try workspace.start(["prune", "--json"])
        _ = waitUntil(timeout: 30) { !lockIDs(workspace.repository).isEmpty || !isRunning(prune.pid) }
        prune.kill(SIGSTOP)
        if isRunning(prune.pid) && !lockIDs(workspace.repository).isEmpty { return prune }
        prune.kill(SIGCONT)
        #expect(prune.wait().status == 0)
    }
    return nil
}

/// Polls `condition` every half millisecond until it holds or `timeout` seconds pass.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(500)
    }
    return condition()
}

/// `cp -a from to`.
func copyTree(_ from: String, _ to: String) throws {
    let copied = try runProgram("/bin/cp", ["-a", from, to], timeout: 300)
    guard copied.status == 0 else { throw HarnessError("cp -a \(from) \(to) failed: \(copied.err)") }
}

/// Writes `count` random files of `sizes` bytes into `directory` (created if missing).
func writeRandomFiles(_ directory: String, prefix: String, count: Int, sizes: ClosedRange<Int>,
                              random: inout SeededRandom) throws {
    if !FS.exists(Array(directory.utf8)) { try FS.mkdir(Array(directory.utf8)) }
    for index in 0..<count {
        try FS.writeFile(Array("\(directory)/\(prefix)\(index)".utf8), random.bytes(Int.random(in: sizes, using: &random)))
    }
}

/// The `message_type: prune` object of a run's JSON output (`prune --json` prints only it;
/// `forget --prune --json` prints the forget groups first).
func pruneObject(_ result: RunResult) -> [String: Any] {
    if let whole = result.json as? [String: Any] { return whole }
    return result.objectLines.first { $0["message_type"] as? String == "prune" } ?? [:]
}

/// Restores snapshot `id` into a fresh directory and compares it with `expected`, the copy
/// of the tree it was taken of (at `source`). Returns the differences (empty when equal).
func restoreDifferences(_ workspace: Workspace, id: String, source: String, expected: String, label: String,
                                environment: [String: String?] = [:]) throws -> [String] {
    let target = workspace.path("restore-\(label)-\(UInt32.random(in: 0...UInt32.max))")
    defer { _ = try? runProgram("/bin/rm", ["-rf", target]) }
    let restore = try workspace.repo(["restore", id, "--target", target], environment: environment)
    guard restore.status == 0 else { return ["restore of \(id.prefix(8)) failed: \(restore)"] }
    return TreeComparer.compare(expected, restoredPath(of: source, in: target))
}
