import Foundation
@testable import Storage
import TestSupport
import Testing

/// Archive tiers as the S3 backend reads them: the headers of a HEAD, the RestoreRequest
/// it sends, and (on moto) a GET of an archived object, its state and a thaw.
struct S3ArchiveHeadersTests {
    @Test func classesThatNeedNoThawAreHot() {
        #expect(S3ArchiveHeaders.state([:]) == .hot)
        for storageClass in ["STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "REDUCED_REDUNDANCY"] {
            #expect(S3ArchiveHeaders.state(["x-amz-storage-class": storageClass]) == .hot, "\(storageClass)")
        }
    }

    @Test func archivedWithoutRestoreHeader() {
        #expect(S3ArchiveHeaders.state(["x-amz-storage-class": "GLACIER"]) == .archived(storageClass: "GLACIER"))
        #expect(S3ArchiveHeaders.state(["x-amz-storage-class": "DEEP_ARCHIVE"]) == .archived(storageClass: "DEEP_ARCHIVE"))
        // INTELLIGENT_TIERING's opt-in archive tiers say so in their own header.
        #expect(S3ArchiveHeaders.state(["x-amz-storage-class": "INTELLIGENT_TIERING", "x-amz-archive-status": "DEEP_ARCHIVE_ACCESS"])
                == .archived(storageClass: "DEEP_ARCHIVE_ACCESS"))
    }

    /// The two forms AWS documents for x-amz-restore.
    @Test func restoringAndRestored() {
        let restoring = S3ArchiveHeaders.state(["x-amz-storage-class": "GLACIER", "x-amz-restore": "ongoing-request=\"true\""])
        #expect(restoring == .restoring(storageClass: "GLACIER"))
        #expect(!restoring.isReadable)
        let restored = S3ArchiveHeaders.state([
            "x-amz-storage-class": "DEEP_ARCHIVE",
            "x-amz-restore": "ongoing-request=\"false\", expiry-date=\"Fri, 21 Dec 2012 00:00:00 GMT\"",
        ])
        #expect(restored == .restored(storageClass: "DEEP_ARCHIVE", until: "Fri, 21 Dec 2012 00:00:00 GMT"))
        #expect(restored.isReadable)
        // A header this reader does not understand leaves the object archived (a GET says).
        #expect(S3ArchiveHeaders.state(["x-amz-storage-class": "GLACIER", "x-amz-restore": "garbled"]) == .archived(storageClass: "GLACIER"))
    }

    @Test func restoreRequestBody() {
        let body = String(decoding: S3XML.restoreRequest(days: 7, tier: .bulk), as: UTF8.self)
        #expect(body == "<RestoreRequest xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Days>7</Days>"
                + "<GlacierJobParameters><Tier>Bulk</Tier></GlacierJobParameters></RestoreRequest>")
        #expect(ThawTier.expedited.s3Name == "Expedited" && ThawTier.standard.s3Name == "Standard")
    }

    @Test func expectedHoursByTierAndClass() {
        #expect(ThawTier.expedited.expectedHours(from: "GLACIER") < 0.1)
        #expect(ThawTier.standard.expectedHours(from: "GLACIER") == 5)
        #expect(ThawTier.bulk.expectedHours(from: "GLACIER") == 12)
        #expect(ThawTier.standard.expectedHours(from: "DEEP_ARCHIVE") == 12)
        #expect(ThawTier.bulk.expectedHours(from: "DEEP_ARCHIVE") == 48)
    }
}

@Suite(.motoServer)
struct S3ArchiveTests {
    let moto: MotoServer

    init() throws {
        moto = try MotoServer.suiteServer()
    }

    /// A data pack in GLACIER: a GET is `.archived` (not damage, not retried: one request),
    /// its state is archived, a thaw is requested (moto completes it at once) and the
    /// object is then readable; metadata stays STANDARD and has nothing to thaw.
    @Test func archivedPackIsReadAfterThaw() throws {
        var configuration = S3TestBackends.configuration()
        configuration.storageClass = "GLACIER"
        let backend = try S3TestBackends.backend(on: moto, configuration: configuration)
        var objects = SeededObjects(seed: 90)
        let pack = objects.name(.dataPack)
        let index = objects.name(.index)
        try backend.write(pack, [1, 2, 3, 4])
        try backend.write(index, [5])
        #expect(backend.hasArchiveTiers)
        #expect(try backend.list(.dataPack) == [ObjectInfo(name: pack, size: 4, archiveClass: "GLACIER")])
        #expect(try backend.list(.index) == [ObjectInfo(name: index, size: 1)])

        let before = backend.statistics
        #expect(throws: BackendError.archived(pack, storageClass: "GLACIER")) { try backend.read(pack) }
        #expect(throws: BackendError.archived(pack, storageClass: "GLACIER")) { try backend.read(pack, range: 1..<3) }
        #expect(backend.statistics.requests["GET", default: 0] - before.requests["GET", default: 0] == 2)
        #expect(backend.statistics.retries == before.retries, "never retried")
        #expect(try backend.archiveState(pack) == .archived(storageClass: "GLACIER"))
        #expect(try backend.archiveState(index) == .hot)
        #expect(try backend.requestThaw(index, tier: .bulk, days: 1) == .notArchived)

        #expect(try backend.requestThaw(pack, tier: .bulk, days: 2) == .requested)
        guard case .restored(let storageClass, let until) = try backend.archiveState(pack) else {
            Issue.record("not restored: \(try backend.archiveState(pack))")
            return
        }
        #expect(storageClass == "GLACIER" && until != nil)
        #expect(try backend.read(pack) == [1, 2, 3, 4])
        #expect(try backend.requestThaw(pack, tier: .bulk, days: 2) == .alreadyRestored)
        let missing = objects.name(.dataPack)
        #expect(throws: BackendError.notFound(missing)) { try backend.archiveState(missing) }
    }

    /// `--s3-storage-class` applies to data packs only: every other kind of object (config,
    /// keys, index, snapshots, tree packs, locks...) is written STANDARD, readable at once.
    @Test func onlyDataPacksGoToTheStorageClass() throws {
        var configuration = S3TestBackends.configuration()
        configuration.storageClass = "DEEP_ARCHIVE"
        let bucket = try moto.makeBucket()
        let backend = try S3TestBackends.backend(on: moto, bucket: bucket, prefix: "p", configuration: configuration)
        var objects = SeededObjects(seed: 91)
        for kind in ObjectKind.allCases {
            let name = kind == .config ? ObjectName.config : objects.name(kind)
            try backend.write(name, [9])
            let expected: ArchiveState = kind == .dataPack ? .archived(storageClass: "DEEP_ARCHIVE") : .hot
            #expect(try backend.archiveState(name) == expected, "\(kind)")
            #expect(try moto.storageClass(bucket: bucket, key: "p/\(name.path)") == (kind == .dataPack ? "DEEP_ARCHIVE" : "STANDARD"), "\(kind)")
        }
    }
}
