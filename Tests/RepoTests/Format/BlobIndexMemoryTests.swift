import Crypto
import Foundation
@testable import Repo
import Testing

/// What the in-memory index costs beyond its entries while a snapshot adds to it: a merge
/// of new entries must not need the whole index twice (at a million blobs, 48 MB more: the
/// peak of a first snapshot of 1M small files).
@Suite(.serialized) struct BlobIndexMemoryTests {
    /// The process's resident peak, reset to its current size first (Linux: clear_refs 5);
    /// nil where the kernel does not allow it.
    static func residentPeakGrowth(during body: () -> Void) -> Int? {
        func field(_ name: String) -> Int? {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
            return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }.map { $0 * 1024 }
        }
        guard (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil,
              let before = field("VmRSS") else { return nil }
        body()
        return field("VmHWM").map { $0 - before }
    }

    @Test func mergingNewBlobsNeedsRoomForThemNotASecondIndex() throws {
        let loaded = 2_000_000
        var generator = FormatFixtures.Generator(seed: 3)
        var index = BlobIndex()
        index.reserve(loaded)
        for number in 0..<loaded {
            index.appendUnsorted(id: generator.digest(), pack: 0, offset: number, length: 100, plaintextLength: 100, segment: nil)
        }
        index.finishLoading()
        // A quarter million new blobs (12 MB of entries) in packs of 1,000, then one merge.
        let added = BlobIndexTests.packs(count: 250, perPack: 1_000, seed: 4)
        for pack in added { index.add(pack) }
        guard let growth = Self.residentPeakGrowth(during: { index.compact() }) else {
            try Test.cancel("cannot measure the resident peak here (/proc/self/clear_refs or VmHWM unavailable)")
        }
        // A new array for the merge alone would be the whole index again: 108 MB.
        #expect(growth < 48_000_000, "the merge grew the resident peak by \(growth / 1_000_000) MB")
        #expect(index.count == loaded + 250_000)
        #expect(added.allSatisfy { pack in pack.entries.allSatisfy { index.contains($0.id) } })
    }

    @Test func entryArrayCopiesAreIndependent() {
        var first = EntryArray<Int>()
        for value in 0..<1000 { first.append(value) }
        var second = first
        second[0] = -1
        second.removeAll { $0 % 2 == 1 }
        first.removeLast(500)
        #expect(first.count == 500 && first[0] == 0 && first[499] == 499)
        #expect(second.count == 500 && second[0] == -1 && second[1] == 2)
    }
}
