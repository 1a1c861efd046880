import Crypto
import Foundation
@testable import Repo
@testable import Storage
import Testing

/// Shared and exclusive repository locks, and when a lock counts as stale.
@Suite struct RepositoryLockTests {
    /// Writes a lock object as another process would.
    @discardableResult
    static func plant(_ record: LockRecord, in repository: Repository) throws -> ObjectName {
        let sealed = try repository.metadata.seal(Array(try JSONCoding.encoder.encode(record)), kind: .lock)
        let name = ObjectName(.locks, SecureRandom.bytes(count: 32).map { String(format: "%02x", $0) }.joined())
        try repository.backend.write(name, sealed)
        return name
    }

    /// The pid of a process that has exited and been reaped.
    static func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        let pid = process.processIdentifier
        try #require(kill(pid, 0) != 0 && errno == ESRCH, "pid \(pid) is still in use")
        return pid
    }

    static func record(host: String = Host.name, pid: Int32 = getpid(), age: TimeInterval = 0, exclusive: Bool,
                       operation: String = "prune") -> LockRecord {
        LockRecord(host: host, pid: pid, user: "someone", time: Date(timeIntervalSinceNow: -age), exclusive: exclusive, operation: operation)
    }

    static func lockedMessage(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch RepositoryError.locked(let message) {
            return message
        } catch {
            Issue.record("expected RepositoryError.locked, got \(error)")
            return nil
        }
    }

    @Test func sharedLocksCoexistAndExcludeExclusive() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)

        let first = try RepositoryLock.acquire(repository, exclusive: false, operation: "snapshot")
        let second = try RepositoryLock.acquire(repository, exclusive: false, operation: "restore")
        #expect(try backend.list(.locks).count == 2)

        let message = try #require(Self.lockedMessage { _ = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune") })
        #expect(message.contains("shared lock by"))
        #expect(message.contains("pid \(getpid()) on \(Host.name)"))
        // The refused attempt left nothing behind.
        #expect(try backend.list(.locks).count == 2)

        first.release()
        #expect(Self.lockedMessage { _ = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune") } != nil)
        second.release()
        #expect(try backend.list(.locks).isEmpty)
        let exclusive = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune")
        exclusive.release()
    }

    @Test func exclusiveLockExcludesEveryOther() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)

        let exclusive = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune")
        let shared = try #require(Self.lockedMessage { _ = try RepositoryLock.acquire(repository, exclusive: false, operation: "snapshot") })
        #expect(shared.contains("exclusive lock by prune"))
        #expect(Self.lockedMessage { _ = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune") } != nil)
        #expect(try backend.list(.locks).count == 1)

        // Another repository handle (another process, as far as the backend knows).
        let other = try FormatFixtures.open(directory, password: "correct horse")
        #expect(Self.lockedMessage { _ = try RepositoryLock.acquire(other, exclusive: false, operation: "check") } != nil)

        exclusive.release()
        let now = try RepositoryLock.acquire(other, exclusive: false, operation: "check")
        now.release()
    }

    @Test func staleness() throws {
        let dead = try Self.deadPID()
        #expect(Self.record(pid: dead, exclusive: true).isStale())
        #expect(!Self.record(exclusive: true).isStale())
        // Another host: the pid means nothing here; only age counts.
        #expect(!Self.record(host: "elsewhere.invalid", pid: dead, age: 29 * 60, exclusive: true).isStale())
        #expect(Self.record(host: "elsewhere.invalid", pid: 1, age: 31 * 60, exclusive: true).isStale())
        #expect(Self.record(age: 31 * 60, exclusive: true).isStale(), "even a live process on this host, if not refreshed")
        let record = Self.record(host: "elsewhere.invalid", exclusive: false)
        #expect(!record.isStale(now: record.time.addingTimeInterval(1_800)))
        #expect(record.isStale(now: record.time.addingTimeInterval(1_801)))
    }

    @Test func staleLocksDoNotBlock() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory)

        try Self.plant(Self.record(pid: try Self.deadPID(), exclusive: true), in: repository)
        try Self.plant(Self.record(host: "elsewhere.invalid", pid: 1, age: 31 * 60, exclusive: true), in: repository)
        let exclusive = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune")
        exclusive.release()

        // A live one does block (the control).
        try Self.plant(Self.record(host: "elsewhere.invalid", pid: 1, age: 60, exclusive: true, operation: "prune"), in: repository)
        let message = try #require(Self.lockedMessage { _ = try RepositoryLock.acquire(repository, exclusive: false, operation: "snapshot") })
        #expect(message.contains("elsewhere.invalid"))
    }

    @Test func removeLocksTakesStaleOnesUnlessAll() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)

        let deadLock = try Self.plant(Self.record(pid: try Self.deadPID(), exclusive: false), in: repository)
        let oldLock = try Self.plant(Self.record(host: "elsewhere.invalid", pid: 1, age: 3_600, exclusive: true), in: repository)
        let liveLock = try Self.plant(Self.record(host: "elsewhere.invalid", pid: 1, age: 10, exclusive: false), in: repository)
        let held = try RepositoryLock.acquire(repository, exclusive: false, operation: "snapshot")

        let removed = try RepositoryLock.removeLocks(repository, all: false)
        #expect(removed.count == 2)
        let left = Set(try backend.list(.locks).map(\.name))
        #expect(!left.contains(deadLock) && !left.contains(oldLock))
        #expect(left.contains(liveLock))
        #expect(left.count == 2, "the live planted lock and the one held here")

        #expect(try RepositoryLock.removeLocks(repository, all: false).isEmpty)
        #expect(try RepositoryLock.removeLocks(repository, all: true).count == 2)
        #expect(try backend.list(.locks).isEmpty)
        held.release()  // its object is already gone: not an error
    }

    /// `RepositoryLock.locks(of:)` documents that locks which cannot be read are reported as
    /// stale placeholders "so `unlock` can clear them".
    @Test func unreadableLocksCanBeCleared() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)
        let garbage = ObjectName(.locks, String(repeating: "ab", count: 32))
        try backend.write(garbage, Array("not a lock".utf8))
        // It does not block anyone...
        let lock = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune")
        lock.release()
        // ...and `unlock --all` (at least) removes it.
        _ = try RepositoryLock.removeLocks(repository, all: true)
        #expect(try backend.stat(garbage) == nil, "a damaged lock object survives `repo unlock --all`")
    }

    @Test func releaseDeletesTheObjectAndIsIdempotent() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)

        let lock = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune")
        let objects = try backend.list(.locks)
        #expect(objects.count == 1)
        // The object is a sealed lock record describing this process.
        let (record, name) = try #require(try RepositoryLock.locks(of: repository).first)
        #expect(name == objects[0].name)
        #expect(record.pid == getpid() && record.host == Host.name && record.exclusive && record.operation == "prune")
        #expect(!record.isStale())

        lock.release()
        #expect(try backend.list(.locks).isEmpty)
        lock.release()
        #expect(try backend.list(.locks).isEmpty)

        // A lock dropped without release() is released too.
        do { _ = try RepositoryLock.acquire(repository, exclusive: false, operation: "check") }
        #expect(try backend.list(.locks).isEmpty)
    }
}
