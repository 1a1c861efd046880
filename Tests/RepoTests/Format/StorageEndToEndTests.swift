import Crypto
import Foundation
@testable import Repo
@testable import Storage
import Testing

/// BlobSink → packs and index objects in a LocalBackend → a reopened Repository → Checker.
@Suite struct StorageEndToEndTests {
    struct Stored {
        let directory: String
        let blobs: [(id: Digest256, type: BlobType, plaintext: [UInt8])]
    }

    /// A repository in a new directory holding `count` blobs of random sizes (every tenth a
    /// tree blob, half of them compressible), stored through a BlobSink with two workers.
    static func store(_ count: Int, maximumSize: Int, seed: UInt64) throws -> Stored {
        let directory = try FormatFixtures.makeDirectory()
        do {
            var parameters = RepositoryParameters()
            parameters.packTargetSize = 1 << 20  // the smallest allowed: many packs
            let (repository, _) = try FormatFixtures.makeRepository(in: directory, parameters: parameters)
            var generator = FormatFixtures.Generator(seed: seed)
            let sink = BlobSink(repository: repository, workers: 2)
            var blobs = [(id: Digest256, type: BlobType, plaintext: [UInt8])]()
            var seen = Set<Digest256>()
            while blobs.count < count {
                let size = Int(generator.next() % UInt64(maximumSize))
                let plaintext = generator.next() % 2 == 0 ? generator.bytes(size) : FormatFixtures.compressible(size, using: &generator)
                let id = plaintext.withUnsafeBytes { repository.blobID(of: $0) }
                guard seen.insert(id).inserted else { continue }  // the archiver never stores a blob twice
                let type: BlobType = blobs.count % 10 == 9 ? .tree : .data
                try sink.add(BlobSink.Job(id: id, type: type, plaintext: plaintext))
                blobs.append((id, type, plaintext))
            }
            try sink.finish()
            #expect(sink.error == nil)
            #expect(sink.blobsAdded == count)
            return Stored(directory: directory, blobs: blobs)
        } catch {
            FormatFixtures.removeDirectory(directory)
            throw error
        }
    }

    static func packs(_ backend: any Backend) throws -> [ObjectInfo] {
        try backend.list(.dataPack) + backend.list(.treePack)
    }

    @Test func fiveHundredBlobsRoundTripAndCheckClean() throws {
        let stored = try Self.store(500, maximumSize: 48 << 10, seed: 1)
        defer { FormatFixtures.removeDirectory(stored.directory) }

        let repository = try FormatFixtures.open(stored.directory, password: "correct horse")
        let backend = repository.backend
        #expect(repository.indexedBlobCount == 500)
        var wrong = 0
        for blob in stored.blobs {
            let location = try #require(repository.location(of: blob.id))
            #expect(location.type == blob.type)
            #expect(location.plaintextLength == blob.plaintext.count)
            if try repository.loadBlob(blob.id) != blob.plaintext { wrong += 1 }
        }
        #expect(wrong == 0)
        #expect(throws: RepositoryError.blobMissing(.zero)) { try repository.loadBlob(.zero) }

        // Index objects and packs of both kinds exist; pack names are the hashes of their bytes.
        let indexObjects = try backend.list(.index)
        #expect(!indexObjects.isEmpty)
        for object in indexObjects { #expect(SHA256.hash(try backend.read(object.name)).hex == object.name.id) }
        let dataPacks = try backend.list(.dataPack), treePacks = try backend.list(.treePack)
        #expect(dataPacks.count >= 5)
        #expect(treePacks.count >= 1)
        for pack in dataPacks + treePacks { #expect(SHA256.hash(try backend.read(pack.name)).hex == pack.name.id) }

        let structural = try Checker(repository: repository).run(readData: nil)
        #expect(structural.isClean, "\(structural.problems)")
        #expect(structural.notes.isEmpty, "\(structural.notes)")
        #expect(structural.packs == dataPacks.count + treePacks.count)
        #expect(structural.blobs == 500)
        #expect(structural.packsRead == 0)

        let full = try Checker(repository: repository).run(readData: .all)
        #expect(full.isClean, "\(full.problems)")
        #expect(full.packsRead == dataPacks.count + treePacks.count)
        #expect(full.bytesRead == UInt64((dataPacks + treePacks).reduce(0) { $0 + $1.size }))

        // Parts 1/3, 2/3, 3/3 read every pack exactly once between them.
        var readInParts = 0
        for part in 1...3 {
            let report = try Checker(repository: repository).run(readData: .part(part, of: 3))
            #expect(report.isClean)
            readInParts += report.packsRead
        }
        #expect(readInParts == dataPacks.count + treePacks.count)
    }

    @Test func checkFindsADamagedPack() throws {
        let stored = try Self.store(60, maximumSize: 128 << 10, seed: 2)
        defer { FormatFixtures.removeDirectory(stored.directory) }
        let repository = try FormatFixtures.open(stored.directory, password: "correct horse")
        let backend = repository.backend
        let packs = try backend.list(.dataPack)
        try #require(packs.count >= 2)
        let victim = packs[0]

        // One byte in the middle of the largest blob of that pack.
        let target = try #require(stored.blobs.compactMap { blob -> (Digest256, BlobLocation)? in
            guard let location = repository.location(of: blob.id), location.pack.hex == victim.name.id else { return nil }
            return (blob.id, location)
        }.max { $0.1.length < $1.1.length })
        var bytes = try backend.read(victim.name)
        bytes[target.1.offset + target.1.length / 2] ^= 0x20
        try backend.write(victim.name, bytes)

        let report = try Checker(repository: repository).run(readData: .all)
        #expect(!report.isClean)
        #expect(report.problems.contains { $0.contains(victim.name.id) }, "\(report.problems)")
        #expect(report.problems.contains { $0.contains(target.0.hex) }, "\(report.problems)")
        // Only that pack is blamed.
        for other in packs.dropFirst() { #expect(!report.problems.contains { $0.contains(other.name.id) }) }
        // The structural check reads only headers: it does not see this damage.
        #expect(try Checker(repository: repository).run(readData: nil).isClean)
        // And exactly the blob whose bytes changed no longer loads.
        var failing = [Digest256]()
        for blob in stored.blobs {
            do {
                if try repository.loadBlob(blob.id) != blob.plaintext { Issue.record("wrong plaintext for \(blob.id)") }
            } catch {
                failing.append(blob.id)
                #expect(FormatFixtures.isCorrupt(error), "\(error)")
            }
        }
        #expect(failing == [target.0])
    }

    /// `check --read-data` reads a pack in segments that end between blobs: with segments
    /// far smaller than the packs, every byte is still read and hashed once, and damage in
    /// a middle segment is found in its blob and in the pack's hash.
    @Test func checkReadsPacksInSegments() throws {
        let stored = try Self.store(60, maximumSize: 128 << 10, seed: 3)
        defer { FormatFixtures.removeDirectory(stored.directory) }
        let repository = try FormatFixtures.open(stored.directory, password: "correct horse")
        let backend = repository.backend
        var checker = Checker(repository: repository)
        checker.segmentSize = 100 << 10
        let clean = try checker.run(readData: .all)
        #expect(clean.isClean, "\(clean.problems)")
        #expect(clean.bytesRead == UInt64(try Self.packs(backend).reduce(0) { $0 + $1.size }))

        let victim = try #require(try backend.list(.dataPack).max { $0.size < $1.size })
        let inVictim = stored.blobs.compactMap { blob -> (Digest256, BlobLocation)? in
            guard let location = repository.location(of: blob.id), location.pack.hex == victim.name.id else { return nil }
            return (blob.id, location)
        }.sorted { $0.1.offset < $1.1.offset }
        try #require(inVictim.count >= 3)
        let target = inVictim[inVictim.count / 2]
        var bytes = try backend.read(victim.name)
        bytes[target.1.offset + target.1.length / 2] ^= 0x01
        try backend.write(victim.name, bytes)
        let report = try checker.run(readData: .all)
        #expect(report.problems.count == 2, "\(report.problems)")
        #expect(report.problems.contains { $0.contains(victim.name.id) && $0.contains("SHA-256") }, "\(report.problems)")
        #expect(report.problems.contains { $0.contains(target.0.hex) }, "\(report.problems)")
    }

    @Test func checkFindsAMissingPack() throws {
        let stored = try Self.store(60, maximumSize: 128 << 10, seed: 3)
        defer { FormatFixtures.removeDirectory(stored.directory) }
        let backend = try LocalBackend(existingAt: "\(stored.directory)/repo")
        let packs = try backend.list(.dataPack)
        try #require(packs.count >= 2)
        try backend.delete(packs[1].name)

        let repository = try FormatFixtures.open(stored.directory, password: "correct horse")
        let report = try Checker(repository: repository).run(readData: nil)
        #expect(report.problems == ["pack \(packs[1].name.id) is in the index but missing from the repository"])

        // A pack no index lists is a note, not a problem.
        let writer = try FormatFixtures.packWriter(.data, in: repository, targetSize: 1 << 16)
        try [UInt8](repeating: 1, count: 100).withUnsafeBytes { _ = try writer.add(id: .zero, plaintext: $0) }
        let pack = try writer.finish()
        try pack.store(in: backend)
        let again = try Checker(repository: repository).run(readData: nil)
        #expect(again.problems.count == 1)
        #expect(again.notes.contains { $0.contains(pack.id.hex) })
    }

    @Test func checkFindsATruncatedPackWithoutReadingData() throws {
        let stored = try Self.store(30, maximumSize: 96 << 10, seed: 4)
        defer { FormatFixtures.removeDirectory(stored.directory) }
        let backend = try LocalBackend(existingAt: "\(stored.directory)/repo")
        let victim = try #require(try backend.list(.dataPack).first)
        let bytes = try backend.read(victim.name)
        try backend.write(victim.name, Array(bytes.dropLast(1)))
        let repository = try FormatFixtures.open(stored.directory, password: "correct horse")
        let report = try Checker(repository: repository).run(readData: nil)
        #expect(report.problems.contains { $0.contains(victim.name.id) }, "\(report.problems)")
    }

    // MARK: ReadDataSubset

    @Test func readDataSubsetParsing() {
        #expect(ReadDataSubset("1/5") == .part(1, of: 5))
        #expect(ReadDataSubset("5/5") == .part(5, of: 5))
        #expect(ReadDataSubset("1/1") == .part(1, of: 1))
        #expect(ReadDataSubset("10%") == .fraction(0.1))
        #expect(ReadDataSubset("100%") == .fraction(1))
        #expect(ReadDataSubset("2.5%") == .fraction(0.025))
        for invalid in ["0/5", "6/5", "abc", "", "/", "1/0", "0/0", "-1/5", "1/-5", "1/5/7", "a/5", "1/b", "0%", "101%", "%",
                        "-5%", "abc%", "5"] {
            #expect(ReadDataSubset(invalid) == nil, "\(invalid.debugDescription)")
        }
    }

    @Test func partsPartitionThePacks() {
        var generator = FormatFixtures.Generator(seed: 5)
        let ids = (0..<2_000).map { _ in generator.digest().hex }
        for m in [1, 2, 3, 5, 7, 10, 16, 31] {
            var sizes = [Int](repeating: 0, count: m)
            for id in ids {
                let parts = (1...m).filter { ReadDataSubset.part($0, of: m).includes(packID: id) }
                #expect(parts.count == 1, "pack \(id) is in parts \(parts) of \(m)")
                if let part = parts.first { sizes[part - 1] += 1 }
            }
            // Every part gets a fair share (2,000 uniform ids).
            #expect(sizes.allSatisfy { $0 > 2_000 / m / 2 }, "parts of \(m): \(sizes)")
        }
        #expect(ids.allSatisfy { ReadDataSubset.all.includes(packID: $0) })
        #expect(ids.allSatisfy { ReadDataSubset.fraction(1).includes(packID: $0) })
        let tenth = ids.filter { ReadDataSubset.fraction(0.1).includes(packID: $0) }.count
        #expect((100...300).contains(tenth))
    }
}
