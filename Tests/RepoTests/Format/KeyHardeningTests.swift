import Crypto
import Foundation
@testable import Repo
@testable import Storage
import Testing

/// Issue 15: key removal racing another removal (D1), damaged key files (D7) and key files
/// of another repository (D12).
@Suite struct KeyHardeningTests {
    /// D1: a handle whose key another process removed knows of no remaining key that opens
    /// the master secret, so it refuses to remove one (it would otherwise remove the last
    /// working key it can vouch for).
    @Test func removalRefusedOnceTheKeyInUseIsGone() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (created, _) = try FormatFixtures.makeRepository(in: directory, password: "one")
        let oneID = try #require(created.currentKey?.id)
        let twoID = try created.addKey(password: RepositoryKeyTests.password("two"), scrypt: FormatFixtures.cheapScrypt)
        _ = try created.addKey(password: RepositoryKeyTests.password("three"), scrypt: FormatFixtures.cheapScrypt)

        let first = try FormatFixtures.open(directory, password: "one")
        let second = try FormatFixtures.open(directory, password: "two")
        #expect(try first.removeKey(twoID) == twoID)
        #expect(throws: RepositoryError.lastKey) { try second.removeKey(oneID) }
        #expect(try FormatFixtures.open(directory, password: "one").id == created.id)
    }

    /// D12: a key file of another repository with the same password is skipped when
    /// opening, and `check` names it.
    @Test func foreignKeyIsSkippedAndReported() throws {
        let directory = try FormatFixtures.makeDirectory(), other = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory); FormatFixtures.removeDirectory(other) }
        let (mine, backend) = try FormatFixtures.makeRepository(in: directory, password: "same")
        let (theirs, theirBackend) = try FormatFixtures.makeRepository(in: other, password: "same")
        let own = try #require(mine.currentKey), foreign = try #require(theirs.currentKey)
        try backend.write(foreign, try theirBackend.read(foreign))

        let opened = try Self.open(directory, password: "same", listing: foreign)
        #expect(opened.currentKey == own)
        let report = try Checker(repository: opened, password: RepositoryKeyTests.password("same")).run(readData: nil)
        #expect(report.problems == ["keys/\(foreign.id) opens with this password but not this repository's config: a key of another repository (remove it: `repo key remove \(foreign.id.prefix(8))`)"])
    }

    /// D7: `check` reports a key file whose sealed part is damaged (its name no longer is
    /// the SHA-256 of its bytes) and one that is not a key file at all.
    @Test func damagedKeyFilesAreReported() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (created, backend) = try FormatFixtures.makeRepository(in: directory, password: "one")
        let twoID = try created.addKey(password: RepositoryKeyTests.password("two"), scrypt: FormatFixtures.cheapScrypt)
        let twoName = ObjectName(.keys, twoID)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(try backend.read(twoName))) as? [String: Any])
        var sealed = try #require(Data(base64Encoded: json["sealed"] as? String ?? ""))
        sealed[20] ^= 0x01
        json["sealed"] = sealed.base64EncodedString()
        try backend.write(twoName, Array(try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])))
        let garbage = Array("not json".utf8)
        let garbageName = ObjectName(.keys, SHA256.hash(garbage).hex)

        try backend.write(garbageName, garbage)

        let opened = try Self.open(directory, password: "one", listing: garbageName)
        let report = try Checker(repository: opened, password: RepositoryKeyTests.password("one")).run(readData: nil)
        #expect(report.problems.count == 2, "\(report.problems)")
        #expect(report.problems.contains { $0.hasPrefix("keys/\(twoID): content does not match its name") && $0.contains("repo key remove \(twoID.prefix(8))") })
        #expect(report.problems.contains { $0.hasPrefix("keys/\(garbageName.id): not a key file") })
        // Without the password, the structure is still checked.
        #expect(try Checker(repository: opened).run(readData: nil).problems.count == 2)
    }

    /// Opens the repository in `directory` through a backend that lists key file `first`
    /// before the others (a directory's order depends on the file system).
    static func open(_ directory: String, password: String, listing first: ObjectName) throws -> Repository {
        let backend = KeyFirstBackend(try LocalBackend(existingAt: "\(directory)/repo"), first: first)
        #expect(try backend.list(.keys).first?.name == first)
        return try Repository.open(backend: backend, password: RepositoryKeyTests.password(password), cacheDirectory: nil)
    }
}

/// A backend that lists one key file before the others, so that opening tries it first.
final class KeyFirstBackend: Backend {
    let inner: LocalBackend
    let first: ObjectName

    init(_ inner: LocalBackend, first: ObjectName) {
        self.inner = inner
        self.first = first
    }

    var location: String { inner.location }

    func list(_ kind: ObjectKind) throws(BackendError) -> [ObjectInfo] {
        let objects = try inner.list(kind)
        return objects.filter { $0.name == first } + objects.filter { $0.name != first }
    }

    func read(_ name: ObjectName) throws(BackendError) -> [UInt8] { try inner.read(name) }
    func read(_ name: ObjectName, range: Range<Int>) throws(BackendError) -> [UInt8] { try inner.read(name, range: range) }
    func write(_ name: ObjectName, _ bytes: UnsafeRawBufferPointer) throws(BackendError) { try inner.write(name, bytes) }
    func delete(_ name: ObjectName) throws(BackendError) { try inner.delete(name) }
    func stat(_ name: ObjectName) throws(BackendError) -> ObjectInfo? { try inner.stat(name) }
    func removeIncompleteWrites(of kinds: Set<ObjectKind>, olderThan seconds: Double) throws(BackendError) -> Int {
        try inner.removeIncompleteWrites(of: kinds, olderThan: seconds)
    }
}
