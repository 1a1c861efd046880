import Foundation
@testable import Repo
@testable import Storage
import Testing

/// `RepositoryOpener`: the format before the password, errors that name the repository,
/// the index loaded under the lock and the lock given back when that load fails.
@Suite struct RepositoryOpenerTests {
    private static let password = "correct horse"

    /// An opener for `directory`/repo whose password calls are counted.
    private static func opener(_ directory: String, password: String = password, name: String? = nil,
                               asked: PasswordCalls = PasswordCalls()) -> RepositoryOpener {
        RepositoryOpener(location: "\(directory)/repo", name: name, environment: [:],
                         password: { asked.count += 1; return Array(password.utf8) }, cacheDirectory: nil)
    }

    @Test func opensWithThePasswordAndTellsOfTheBackend() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (created, _) = try FormatFixtures.makeRepository(in: directory)
        var opener = Self.opener(directory)
        var told: [String] = []
        opener.onBackendOpened = { told.append($0.location) }
        let repository = try opener.open()
        #expect(repository.id == created.id)
        #expect(told.count == 1)
    }

    @Test func aMissingRepositoryIsReportedBeforeThePasswordIsAsked() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let asked = PasswordCalls()
        #expect(throws: (any Error).self) { _ = try Self.opener(directory, name: "source repository x", asked: asked).open() }
        #expect(asked.count == 0, "no password asked for a repository that is not there")
    }

    @Test func anUnreadableConfigIsReportedBeforeThePasswordIsAsked() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (_, backend) = try FormatFixtures.makeRepository(in: directory)
        // A config object this version cannot read: not a password matter.
        try backend.write(.config, Array("not a config of any version".utf8))
        let asked = PasswordCalls()
        #expect(throws: (any Error).self) { _ = try Self.opener(directory, asked: asked).backend() }
        #expect(asked.count == 0)
    }

    @Test func aWrongPasswordNamesTheRepositoryWhenItHasAName() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        _ = try FormatFixtures.makeRepository(in: directory)
        let named = try #require(passwordError { _ = try Self.opener(directory, password: "wrong", name: "source repository /a").open() })
        #expect(named.description == "source repository /a: \(FormatError.wrongPassword)")
        // Unnamed: the error as Repository.open threw it.
        #expect(throws: FormatError.wrongPassword) { _ = try Self.opener(directory, password: "wrong").open() }
    }

    @Test func aFailingPasswordSourceNamesTheRepository() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        _ = try FormatFixtures.makeRepository(in: directory)
        var opener = Self.opener(directory, name: "target repository /b")
        opener.password = { throw PasswordError("cannot read password file /nowhere: it does not exist") }
        let error = try #require(passwordError { _ = try opener.open() })
        #expect(error.description == "target repository /b: cannot read password file /nowhere: it does not exist")
    }

    @Test func openLockedHoldsTheLockAndALockConflictNamesTheRepository() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (_, backend) = try FormatFixtures.makeRepository(in: directory)
        let (repository, lock) = try Self.opener(directory).openLocked(exclusive: true, operation: "prune")
        #expect(try backend.list(.locks).count == 1)

        let message = try #require(RepositoryLockTests.lockedMessage {
            _ = try Self.opener(directory, name: "source repository /a").openLocked(exclusive: false, operation: "copy")
        })
        #expect(message.hasPrefix("source repository /a: repository is locked: "), "\(message)")
        let unnamed = try #require(RepositoryLockTests.lockedMessage {
            _ = try RepositoryOpener.lock(repository, exclusive: false, operation: "copy")
        })
        #expect(unnamed.hasPrefix("repository is locked: "), "\(unnamed)")
        lock.release()
        #expect(try backend.list(.locks).isEmpty)
    }

    @Test func aFailedIndexLoadGivesTheLockBack() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (_, backend) = try FormatFixtures.makeRepository(in: directory)
        try backend.write(ObjectName(.index, String(repeating: "ab", count: 32)), Array(repeating: 7, count: 100))
        let opener = Self.opener(directory)
        #expect(throws: (any Error).self) { _ = try opener.openLocked(exclusive: false, operation: "check") }
        #expect(try backend.list(.locks).isEmpty, "the lock is released when the index cannot be read")
        // Without the index, the same repository opens and locks.
        let (_, lock) = try opener.openLocked(exclusive: false, operation: "check", loadIndex: false)
        #expect(try backend.list(.locks).count == 1)
        lock.release()
    }

    private func passwordError(_ body: () throws -> Void) -> PasswordError? {
        do {
            try body()
            Issue.record("expected a PasswordError")
        } catch let error as PasswordError {
            return error
        } catch {
            Issue.record("expected a PasswordError, got \(error)")
        }
        return nil
    }
}

/// How often a password was asked for.
private final class PasswordCalls {
    var count = 0
}
