import Crypto
import Foundation
@testable import Repo
@testable import Storage
import Testing

/// Repository creation and opening, key files, the config envelope.
@Suite struct RepositoryKeyTests {
    static func password(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func openWithTheRightPasswordOnly() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        var parameters = RepositoryParameters()
        parameters.packTargetSize = 4 << 20
        parameters.compressionLevel = 6
        let (created, backend) = try FormatFixtures.makeRepository(in: directory, password: "correct horse", parameters: parameters)
        #expect(ObjectName.isValidID(created.id))
        let keyObjects = try backend.list(.keys)
        #expect(keyObjects.count == 1)

        let opened = try FormatFixtures.open(directory, password: "correct horse")
        #expect(opened.id == created.id)
        #expect(opened.parameters == parameters)
        #expect(opened.currentKey == keyObjects[0].name)

        #expect(throws: FormatError.wrongPassword) { try FormatFixtures.open(directory, password: "correct hors") }
        #expect(throws: FormatError.wrongPassword) { try FormatFixtures.open(directory, password: "") }

        // The key file is the documented JSON, named by the hash of its bytes.
        let keyBytes = try backend.read(keyObjects[0].name)
        #expect(SHA256.hash(keyBytes).hex == keyObjects[0].name.id)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(keyBytes)) as? [String: Any])
        #expect(json["version"] as? Int == 1)
        #expect(json["kdf"] as? String == "scrypt")
        #expect((json["scrypt"] as? [String: Any])?["n"] as? Int == 1_024)
        #expect(Data(base64Encoded: json["salt"] as? String ?? "")?.count == 32)
        // nonce + 64-byte secret + tag
        #expect(Data(base64Encoded: json["sealed"] as? String ?? "")?.count == 12 + 64 + 16)

        // No keys at all.
        try backend.delete(keyObjects[0].name)
        #expect(throws: FormatError.noKeys) { try FormatFixtures.open(directory, password: "correct horse") }
    }

    @Test func addListRemoveKeys() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (created, _) = try FormatFixtures.makeRepository(in: directory, password: "one")

        // The only key cannot be removed, even by a handle that does not use it.
        let only = try created.listKeys()
        #expect(only.count == 1)
        #expect(throws: RepositoryError.keyInUse) { try created.removeKey(only[0].id) }

        let first = try FormatFixtures.open(directory, password: "one")
        let firstID = try #require(first.currentKey?.id)
        let secondID = try first.addKey(password: Self.password("two"), scrypt: FormatFixtures.cheapScrypt)
        #expect(secondID != firstID)

        let keys = try first.listKeys()
        #expect(Set(keys.map(\.id)) == [firstID, secondID])
        #expect(keys.filter(\.isCurrent).map(\.id) == [firstID])
        #expect(keys.allSatisfy { $0.host == Host.name && $0.user == Host.user })
        #expect(keys.map(\.created) == keys.map(\.created).sorted())

        // Both passwords open the same repository.
        let second = try FormatFixtures.open(directory, password: "two")
        #expect(second.id == first.id)
        #expect(second.currentKey?.id == secondID)
        #expect(try second.listKeys().filter(\.isCurrent).map(\.id) == [secondID])

        // The key in use cannot be removed; the other one can, by a unique prefix.
        #expect(throws: RepositoryError.keyInUse) { try first.removeKey(firstID) }
        #expect(throws: RepositoryError.keyNotFound("")) { try first.removeKey("") }
        #expect(throws: RepositoryError.keyNotFound("zz")) { try first.removeKey("zz") }
        #expect(try first.removeKey(String(secondID.prefix(12)).uppercased()) == secondID)
        #expect(try first.listKeys().map(\.id) == [firstID])
        #expect(throws: FormatError.wrongPassword) { try FormatFixtures.open(directory, password: "two") }
        // Now it is both the key in use and the last key.
        #expect(throws: RepositoryError.keyInUse) { try first.removeKey(firstID) }
        #expect(try FormatFixtures.open(directory, password: "one").id == first.id)
    }

    @Test func changePasswordRetiresTheOldKey() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        _ = try FormatFixtures.makeRepository(in: directory, password: "old")
        let repository = try FormatFixtures.open(directory, password: "old")
        let oldID = try #require(repository.currentKey?.id)

        let newID = try repository.changePassword(to: Self.password("new"))
        #expect(newID != oldID)
        #expect(repository.currentKey == ObjectName(.keys, newID))
        #expect(try repository.listKeys().map(\.id) == [newID])
        #expect(try repository.listKeys().first?.isCurrent == true)

        #expect(throws: FormatError.wrongPassword) { try FormatFixtures.open(directory, password: "old") }
        let reopened = try FormatFixtures.open(directory, password: "new")
        #expect(reopened.id == repository.id)
        #expect(reopened.currentKey?.id == newID)
    }

    @Test func newerFormatVersionIsRefusedBeforeAnyPassword() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)
        try Repository.checkFormatVersion(backend: backend)

        let newer = #"{"version": 5, "id": "\#(repository.id)", "sealed": "AAAA", "something_new": true}"#
        try backend.write(.config, Array(newer.utf8))
        let expected = FormatError.unsupportedVersion(object: "repository", version: 5, supported: 4)
        #expect(throws: expected) { try Repository.checkFormatVersion(backend: backend) }
        // open reports the version too, not a wrong password.
        #expect(throws: expected) { try FormatFixtures.open(directory, password: "wrong") }

        try backend.write(.config, Array("not json".utf8))
        #expect(throws: FormatError.corrupt("config", "not a repository config")) { try Repository.checkFormatVersion(backend: backend) }

        try backend.delete(.config)
        #expect(throws: BackendError.repositoryNotFound(location: backend.location)) { try Repository.checkFormatVersion(backend: backend) }
    }

    @Test func tamperedConfigIsCorrupt() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)
        let original = try backend.read(.config)
        let config = try RepositoryConfig.decode(original)
        #expect(config.version == RepositoryConfig.segmentsVersion && config.id == repository.id)

        func expectCorrupt(_ bytes: [UInt8], _ what: String) throws {
            try backend.write(.config, bytes)
            do {
                _ = try FormatFixtures.open(directory, password: "correct horse")
                Issue.record("\(what): the repository opened")
            } catch {
                #expect(FormatFixtures.isCorrupt(error), "\(what): \(error)")
            }
        }

        // Flip one byte of the sealed parameters: nonce, ciphertext, tag.
        for position in [0, 11, 12, config.sealed.count / 2, config.sealed.count - 17, config.sealed.count - 1] {
            var tampered = config
            tampered.sealed[position] ^= 0x01
            try expectCorrupt(try tampered.encoded(), "byte \(position) of the sealed parameters")
        }
        // Change one character of the base64 text itself, in the stored JSON (where the
        // encoder may have escaped "/" as "\/").
        let text = String(decoding: original, as: UTF8.self)
        let valueStart = try #require(text.range(of: #""sealed":""#)).upperBound
        let valueEnd = try #require(text[valueStart...].firstIndex(of: "\""))
        let middle = try #require(text[text.index(valueStart, offsetBy: text.distance(from: valueStart, to: valueEnd) / 2)...]
            .firstIndex { $0.isLetter || $0.isNumber })
        let replacement: Character = text[middle] == "A" ? "B" : "A"
        var edited = text
        edited.replaceSubrange(middle...middle, with: String(replacement))
        #expect(edited != text)
        try expectCorrupt(Array(edited.utf8), "one base64 character")
        // The parameters are bound to the repository id.
        var otherID = config
        otherID.id = String(repeating: "0", count: 64)
        try expectCorrupt(try otherID.encoded(), "another repository id")
        var invalidID = config
        invalidID.id = "../x"
        try expectCorrupt(try invalidID.encoded(), "an invalid id")
        // The config of another repository, opened with this one's key.
        let other = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(other) }
        let (_, otherBackend) = try FormatFixtures.makeRepository(in: other)
        try expectCorrupt(try otherBackend.read(.config), "another repository's config")

        try backend.write(.config, original)
        #expect(try FormatFixtures.open(directory, password: "correct horse").id == repository.id)
    }

    @Test func keyFileOfAnotherRepositoryDoesNotOpenThisOne() throws {
        let first = try FormatFixtures.makeDirectory(), second = try FormatFixtures.makeDirectory()
        defer {
            FormatFixtures.removeDirectory(first)
            FormatFixtures.removeDirectory(second)
        }
        let (_, backendA) = try FormatFixtures.makeRepository(in: first, password: "a")
        let (_, backendB) = try FormatFixtures.makeRepository(in: second, password: "b")
        for info in try backendB.list(.keys) { try backendA.write(info.name, try backendB.read(info.name)) }
        // B's key opens with B's password, but its master secret does not open A's config.
        do {
            _ = try FormatFixtures.open(first, password: "b")
            Issue.record("a foreign key opened the repository")
        } catch {
            #expect(FormatFixtures.isCorrupt(error), "\(error)")
        }
        #expect(throws: Never.self) { try FormatFixtures.open(first, password: "a") }
    }

    @Test func invalidParametersAreRefusedAtInit() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let backend = try LocalBackend.create(at: "\(directory)/repo")
        let changes: [(inout RepositoryParameters) -> Void] = [
            { $0.compressionLevel = 0 }, { $0.packTargetSize = 1_000 }, { $0.cipher = "rot13" }, { $0.textChunking.algorithm = "fixed" },
            { $0.textChunking.average = 3_000 }, { $0.binaryChunking.minimum = 8 << 20 },
            { $0.dumpChunking?.algorithm = "fixed" }, { $0.dumpChunking?.average = 3_000 }, { $0.dumpChunking?.minimum = 32 },
            { $0.dumpChunking?.maximum = 128 << 20 }, { $0.dumpChunking?.normalization = 9 },
        ]
        for change in changes {
            var parameters = RepositoryParameters()
            change(&parameters)
            #expect(throws: FormatError.self) {
                try Repository.initialize(backend: backend, password: [1], parameters: parameters, scrypt: FormatFixtures.cheapScrypt)
            }
        }
        #expect(try backend.stat(.config) == nil)
        #expect(try backend.list(.keys).isEmpty)
    }
}
