import Foundation
@testable import Repo
@testable import Storage
import Testing

/// Job records in the repository: sealed, named by time so the newest are read first,
/// kept by count, and passed over when damaged.
@Suite struct JobRecordStoreTests {
    private func record(_ job: String, at seconds: TimeInterval, succeeded: Bool = true, operation: String = "run") -> JobRecord {
        JobRecord(job: job, operation: operation, host: "web1", started: Date(timeIntervalSince1970: seconds), seconds: 1.5,
                  succeeded: succeeded, bytesAdded: 42, repositoryBytes: 1000,
                  steps: [.init(name: "files", outcome: succeeded ? "ok" : "failed", seconds: 1, bytesAdded: 42, detail: "d")])
    }

    @Test func recordsComeBackNewestFirstAndOpenOnlyWithTheirKeys() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)
        for (index, job) in ["a", "b", "a"].enumerated() {
            try repository.saveJobRecord(record(job, at: 1_796_000_000 + Double(index) * 86_400, succeeded: index != 2))
        }
        let names = try backend.list(.runs).map(\.name.id).sorted()
        #expect(names.count == 3)
        #expect(names.allSatisfy { $0.count == 64 && ObjectName.isValidHex($0) })
        #expect(names.first?.hasPrefix(String(format: "%016llx", UInt64(1_796_000_000) * 1000)) == true, "ids start with the time")

        var seen: [JobRecord] = []
        try repository.visitJobRecords { seen.append($0); return true }
        #expect(seen.map(\.job) == ["a", "b", "a"].reversed())
        #expect(seen.first?.succeeded == false && seen.first?.steps.first?.outcome == "failed")
        #expect(seen.last == record("a", at: 1_796_000_000), "a record round-trips")

        var first: [JobRecord] = []
        try repository.visitJobRecords { first.append($0); return false }
        #expect(first.count == 1, "the visit stops when told")

        // A damaged record is passed over, not fatal.
        let newest = try backend.list(.runs).map(\.name).max { $0.id < $1.id }!
        var bytes = try backend.read(newest)
        bytes[bytes.count / 2] ^= 0x55
        try backend.delete(newest)
        try backend.write(newest, bytes)
        var afterDamage: [JobRecord] = []
        try repository.visitJobRecords { afterDamage.append($0); return true }
        #expect(afterDamage.map(\.job) == ["b", "a"])
    }

    @Test func onlyTheNewestAreKept() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)
        let kept = Repository.jobRecordsKept
        for index in 0..<(kept + 3) {
            try repository.saveJobRecord(record("a", at: 1_796_000_000 + Double(index)))
        }
        let names = try backend.list(.runs).map(\.name.id).sorted()
        #expect(names.count == kept)
        var oldest: JobRecord?
        try repository.visitJobRecords { oldest = $0; return true }
        #expect(oldest?.started == Date(timeIntervalSince1970: 1_796_000_003), "the three oldest went")
    }
}
