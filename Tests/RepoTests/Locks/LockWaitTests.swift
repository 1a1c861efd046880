import Foundation
@testable import Repo
import Storage
import Testing

/// `RepositoryLock.acquire(wait:)`: a conflict is retried until the deadline, announced once.
@Suite struct LockWaitTests {
    @Test func waitsUntilTheHolderReleases() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory)
        let holder = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune")
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.5) { holder.release() }

        let announcements = Announcements()
        let start = Date()
        let lock = try RepositoryLock.acquire(repository, exclusive: false, operation: "snapshot", wait: 60) { announcements.add($0) }
        defer { lock.release() }
        #expect(Date().timeIntervalSince(start) >= 1.4)
        #expect(announcements.all.count == 1, "announced once: \(announcements.all)")
        #expect(announcements.all.first?.hasPrefix("waiting up to 1m for the exclusive lock by prune") == true, "\(announcements.all)")
    }

    @Test func givesUpAtTheDeadlineSayingItWaited() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)
        let holder = try RepositoryLock.acquire(repository, exclusive: false, operation: "snapshot")
        defer { holder.release() }
        let start = Date()
        let message = try #require(RepositoryLockTests.lockedMessage {
            _ = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune", wait: 1.2)
        })
        let waited = Date().timeIntervalSince(start)
        #expect(waited >= 1.1 && waited < 5, "never past the deadline: \(waited) s")
        #expect(message.contains("waited 1.2s for it") && message.contains("shared lock by snapshot"), "\(message)")
        #expect(try backend.list(.locks).count == 1, "the failed attempts left nothing behind")
        // No wait: the message is the one it always was.
        let atOnce = try #require(RepositoryLockTests.lockedMessage {
            _ = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune")
        })
        #expect(!atOnce.contains("waited"), "\(atOnce)")
    }

    @Test func timeSpansReadAndWrite() {
        #expect(TimeSpan.parse("30s") == 30 && TimeSpan.parse("5m") == 300 && TimeSpan.parse("1h") == 3600)
        #expect(TimeSpan.parse("2d") == 172_800 && TimeSpan.parse("0") == 0 && TimeSpan.parse("1.5m") == 90)
        #expect(TimeSpan.parse("") == nil && TimeSpan.parse("5") == nil && TimeSpan.parse("-1s") == nil && TimeSpan.parse("soon") == nil)
        #expect(TimeSpan.parse("500ms") == 0.5 && TimeSpan.parse("1m30s") == 90 && TimeSpan.parse("1s250ms") == 1.25)
        #expect(TimeSpan.parse("ms") == nil && TimeSpan.parse("5sm") == nil && TimeSpan.parse("1mss") == nil)
        #expect(TimeSpan.describe(300) == "5m" && TimeSpan.describe(90) == "90s" && TimeSpan.describe(7200) == "2h")
        #expect(TimeSpan.describe(0) == "0s" && TimeSpan.describe(1.2) == "1.2s" && TimeSpan.describe(604_800) == "1w")
    }
}

/// What `onWait` heard, from whichever thread.
private final class Announcements: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
