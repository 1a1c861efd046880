import Foundation
@testable import Storage
import Synchronization
import TestSupport
import Testing

/// What the conformance suite cannot see of the S3 backend: where objects land in the
/// bucket, what else may share it, buckets and locations, credentials, multipart uploads,
/// pagination and the request statistics.
@Suite(.motoServer)
struct S3BackendTests {
    let moto: MotoServer

    init() throws {
        moto = try MotoServer.suiteServer()
    }

    @Test func objectsAreKeysUnderThePrefix() throws {
        let bucket = try moto.makeBucket()
        let backend = try S3TestBackends.backend(on: moto, bucket: bucket, prefix: "some/prefix")
        var objects = SeededObjects(seed: 30)
        let data = ObjectName(.dataPack, objects.id(startingWith: "ab"))
        let index = objects.name(.index)
        for name in [data, index, .config] { try backend.write(name, [1, 2, 3]) }
        #expect(Set(try moto.keys(bucket: bucket)) == ["some/prefix/data/ab/\(data.id)", "some/prefix/index/\(index.id)", "some/prefix/config"])
        #expect(backend.location == "s3:\(moto.endpoint)/\(bucket)/some/prefix")
    }

    @Test func aRepositoryMayFillTheWholeBucket() throws {
        let bucket = try moto.makeBucket()
        let backend = try S3TestBackends.backend(on: moto, bucket: bucket, prefix: "")
        var objects = SeededObjects(seed: 31)
        let name = objects.name(.snapshots)
        try backend.write(name, [4, 5])
        try backend.write(.config, [6])
        #expect(Set(try moto.keys(bucket: bucket)) == ["snapshots/\(name.id)", "config"])
        #expect(try backend.list(.snapshots) == [ObjectInfo(name: name, size: 2)])
        #expect(try backend.list(.config) == [ObjectInfo(name: .config, size: 1)])
        #expect(try backend.read(name) == [4, 5])
        #expect(backend.location == "s3:\(moto.endpoint)/\(bucket)")
    }

    /// Keys that are not the repository's objects: other prefixes (including one the
    /// repository's prefix begins), names no repository writes, a `configuration` beside
    /// `config`.
    @Test func strangersInTheBucketAreNotListed() throws {
        let bucket = try moto.makeBucket()
        let backend = try S3TestBackends.backend(on: moto, bucket: bucket, prefix: "repo")
        var objects = SeededObjects(seed: 32)
        let real = ObjectName(.dataPack, objects.id(startingWith: "cd"))
        let realIndex = objects.name(.index)
        try backend.write(real, [1])
        try backend.write(realIndex, [2])
        try backend.write(.config, [3])
        let id = objects.id()
        for stranger in ["repo2/index/\(id)", "repo-old/config", "reposit/locks/\(id)",  // sibling prefixes
                         "repo/index/\(id).tmp", "repo/index/\(id.uppercased())", "repo/index/README",
                         "repo/data/\(id)", "repo/data/zz/\(id)", "repo/data/ab/\(id)", "repo/data/cd/x/\(id)",
                         "repo/configuration", "repo/config/extra", "repo/unknown/\(id)", "index/\(id)", "repo//index/\(id)"] {
            try moto.putObject(bucket: bucket, key: stranger, [9, 9, 9])
        }
        #expect(try backend.list(.dataPack) == [ObjectInfo(name: real, size: 1)])
        #expect(try backend.list(.index) == [ObjectInfo(name: realIndex, size: 1)])
        #expect(try backend.list(.config) == [ObjectInfo(name: .config, size: 1)])
        #expect(try backend.list(.locks).isEmpty)
        // A second repository beside the first sees only its own objects.
        let sibling = try S3TestBackends.backend(on: moto, bucket: bucket, prefix: "repo2")
        #expect(try sibling.list(.index) == [ObjectInfo(name: ObjectName(.index, id), size: 3)])
        #expect(try sibling.list(.dataPack).isEmpty)
    }

    /// Three pages of keys take three LIST requests, and every key is listed once.
    @Test func listingFollowsContinuationTokens() throws {
        let backend = try S3TestBackends.backend(on: moto)
        var objects = SeededObjects(seed: 33)
        let names = (0..<2001).map { _ in objects.name(.locks) }
        let failures = Mutex<[BackendError]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            for index in stride(from: worker, to: names.count, by: 16) {
                do throws(BackendError) { try backend.write(names[index], [1]) } catch { failures.withLock { $0.append(error) } }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let before = backend.statistics.requests["LIST", default: 0]
        let listed = try backend.list(.locks)
        #expect(backend.statistics.requests["LIST", default: 0] - before == 3)
        #expect(listed.count == names.count)
        #expect(Set(listed.map(\.name)) == Set(names))
    }

    /// Above the threshold an object goes up in parts (POST to start, a PUT per part, POST
    /// to complete), and nothing of the upload is left pending.
    @Test func largeObjectsGoUpInParts() throws {
        let bucket = try moto.makeBucket()
        let backend = try S3TestBackends.backend(on: moto, bucket: bucket, configuration: S3TestBackends.configuration {
            $0.multipartThreshold = 5 << 20
            $0.partSize = 5 << 20
        })
        var objects = SeededObjects(seed: 34)
        let name = objects.name(.dataPack)
        let bytes = objects.bytes(12 << 20)
        try backend.write(name, bytes)
        let statistics = backend.statistics
        #expect(statistics.requests["POST"] == 2, "\(statistics.summary)")
        #expect(statistics.requests["PUT"] == 3, "\(statistics.summary)")
        #expect(statistics.bytesSent >= bytes.count)
        #expect(try moto.getObject(bucket: bucket, key: "repository/\(name.path)") == bytes)
        #expect(try backend.read(name) == bytes)
        #expect(try moto.pendingMultipartUploads(bucket: bucket).isEmpty)

        // At the threshold exactly, one PUT.
        let small = objects.name(.dataPack)
        try backend.write(small, objects.bytes(5 << 20))
        #expect(backend.statistics.requests["PUT"] == 4)
        #expect(backend.statistics.requests["POST"] == 2)
    }

    /// A part that cannot be stored fails the write, aborts the upload, and leaves no object.
    @Test func aFailedMultipartUploadLeavesNothing() throws {
        let bucket = try moto.makeBucket()
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let backend = try S3TestBackends.backend(on: moto, bucket: bucket, endpoint: proxy.endpoint, configuration: S3TestBackends.configuration {
            $0.multipartThreshold = 5 << 20
            $0.partSize = 5 << 20
            $0.retry.maxAttempts = 3
        })
        proxy.inject { $0.method == "PUT" && $0.target.contains("partNumber=2") ? .internalError : nil }
        var objects = SeededObjects(seed: 35)
        let name = objects.name(.dataPack)
        #expect(throws: BackendError.self) { try backend.write(name, objects.bytes(11 << 20)) }
        #expect(try backend.stat(name) == nil)
        #expect(try moto.keys(bucket: bucket).isEmpty)
        #expect(try moto.pendingMultipartUploads(bucket: bucket).isEmpty, "the upload was aborted")
        #expect(proxy.methodCounts["DELETE", default: 0] >= 1, "abort")
    }

    /// Uploads cut short stay in the bucket, unlisted and billed: `removeIncompleteWrites`
    /// aborts those under the prefix to keys that name objects, and no others. moto dates
    /// every upload 2010-11-10 (`Initiated`), so ages are tested against a store that says
    /// more (`incompleteUploadsAreListedPageByPageAndAbortedByAge`).
    @Test func incompleteMultipartUploadsUnderThePrefixAreAborted() throws {
        let bucket = try moto.makeBucket()
        let backend = try S3TestBackends.backend(on: moto, bucket: bucket, prefix: "repository")
        var objects = SeededObjects(seed: 37)
        func start(_ key: String) throws -> String {
            let created = try backend.client.send("POST", key: key, query: [("uploads", "")], type: "POST")
            return try #require(S3XML.first("UploadId", in: created.body))
        }
        let ours = [try start("repository/\(objects.name(.dataPack).path)"), try start("repository/\(objects.name(.treePack).path)")]
        let strangers = [try start("repository-2/\(objects.name(.dataPack).path)"), try start("repository/notes.bin")]
        #expect(Set(try moto.pendingMultipartUploads(bucket: bucket)) == Set(ours + strangers))
        #expect(try backend.removeIncompleteWrites(olderThan: 100 * 365 * 86400) == 0, "none started a century ago")
        #expect(try backend.removeIncompleteWrites(olderThan: 0) == ours.count)
        #expect(Set(try moto.pendingMultipartUploads(bucket: bucket)) == Set(strangers))
        #expect(try backend.removeIncompleteWrites(olderThan: 0) == 0)
        #expect(backend.statistics.requests["LIST"] == 3 && backend.statistics.requests["DELETE"] == ours.count,
                "\(backend.statistics.summary)")
    }

    /// Against a store that pages its answer and dates uploads as AWS does: every page is
    /// read (`key-marker`, `upload-id-marker`), and only uploads old enough, dated legibly
    /// and to object keys are aborted; one gone meanwhile (404) is not counted.
    @Test func incompleteUploadsAreListedPageByPageAndAbortedByAge() throws {
        var objects = SeededObjects(seed: 38)
        let (data, index) = (objects.name(.dataPack).path, objects.name(.index).path)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let old = formatter.string(from: Date(timeIntervalSinceNow: -7200)), fresh = formatter.string(from: Date())
        /// As AWS writes one (moto puts `UploadId` before `Key`: `idFirst`).
        func upload(_ key: String, _ id: String, _ initiated: String, idFirst: Bool = false) -> String {
            let (keyField, idField) = ("<Key>repository/\(key)</Key>", "<UploadId>\(id)</UploadId>")
            return "<Upload>\(idFirst ? idField + keyField : keyField + idField)<Initiator><ID>x</ID></Initiator><Initiated>\(initiated)</Initiated></Upload>"
        }
        let first = "<ListMultipartUploadsResult><Bucket>bucket</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>"
            + "<NextKeyMarker>repository/\(data)</NextKeyMarker><NextUploadIdMarker>u2</NextUploadIdMarker><IsTruncated>true</IsTruncated>"
            + upload(data, "u1", old) + upload(data, "u2", fresh) + "</ListMultipartUploadsResult>"
        let last = "<ListMultipartUploadsResult><Bucket>bucket</Bucket><IsTruncated>false</IsTruncated>"
            + upload(index, "u3", old, idFirst: true) + upload("notes.bin", "u4", old, idFirst: true) + upload(data, "u5", "yesterday") + upload(index, "u6", old)
            + "</ListMultipartUploadsResult>"
        let server = try ScriptedServer { _, request in
            if request.method == "GET" {
                return .send(ScriptedServer.answer(body: request.target.contains("key-marker=") ? last : first))
            }
            if request.target.hasSuffix("uploadId=u6") {
                return .send(ScriptedServer.answer(404, body: "<Error><Code>NoSuchUpload</Code></Error>"))
            }
            return .send(ScriptedServer.answer(204))
        }
        defer { server.stop() }
        let backend = try S3Backend(url: S3TestBackends.url(endpoint: "http://127.0.0.1:\(server.port)", bucket: "bucket", prefix: "repository"),
                                    configuration: S3TestBackends.configuration(), environment: MotoServer.environment)
        #expect(try backend.removeIncompleteWrites(olderThan: 3600) == 2)
        let requests = server.requests
        #expect(requests.map(\.method) == ["GET", "GET", "DELETE", "DELETE", "DELETE"], "\(requests.map(\.target))")
        #expect(requests.first?.target == "/bucket?uploads=&prefix=repository%2F")
        #expect(requests.dropFirst().first?.target
                    == "/bucket?uploads=&prefix=repository%2F&key-marker=repository%2F\(data.replacingOccurrences(of: "/", with: "%2F"))&upload-id-marker=u2")
        #expect(requests.dropFirst(2).map(\.target) == ["/bucket/repository/\(data)?uploadId=u1", "/bucket/repository/\(index)?uploadId=u3",
                                                         "/bucket/repository/\(index)?uploadId=u6"])
        #expect(backend.statistics.requests == ["LIST": 2, "DELETE": 3], "\(backend.statistics.summary)")
    }

    /// The statistics count what the proxy in front of the store saw, request for request.
    @Test func statisticsCountRequestsAndBytes() throws {
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let backend = try S3TestBackends.backend(on: moto, endpoint: proxy.endpoint)
        var objects = SeededObjects(seed: 36)
        let name = objects.name(.index)
        let bytes = objects.bytes(10_000)
        try backend.write(name, bytes)
        _ = try backend.read(name)
        _ = try backend.read(name, range: 10..<20)
        _ = try backend.stat(name)
        _ = try backend.list(.index)
        try backend.delete(name)
        let statistics = backend.statistics
        #expect(statistics.requests == ["PUT": 1, "GET": 2, "HEAD": 1, "LIST": 1, "DELETE": 1], "\(statistics.summary)")
        #expect(statistics.requests == proxy.requestCounts)
        #expect(statistics.retries == 0)
        #expect(statistics.bytesSent >= bytes.count && statistics.bytesSent < bytes.count + 1000, "\(statistics.summary)")
        #expect(statistics.bytesReceived >= bytes.count + 10, "\(statistics.summary)")
    }

    /// Invalid names never become requests (an id with `/` or `..` would reach other keys).
    @Test func invalidNamesAreRefusedBeforeAnyRequest() throws {
        let backend = try S3TestBackends.backend(on: moto)
        for bad in [ObjectName(.index, "../config"), ObjectName(.dataPack, "ab/../../x"), ObjectName(.locks, ""),
                    ObjectName(.config, "x"), ObjectName(.keys, String(repeating: "A", count: 64))] {
            #expect(throws: BackendError.invalidName(bad)) { try backend.write(bad, [1]) }
            #expect(throws: BackendError.invalidName(bad)) { try backend.read(bad) }
            #expect(throws: BackendError.invalidName(bad)) { try backend.read(bad, range: 0..<1) }
            #expect(throws: BackendError.invalidName(bad)) { try backend.stat(bad) }
            #expect(throws: BackendError.invalidName(bad)) { try backend.delete(bad) }
        }
        #expect(backend.statistics.requests.isEmpty, "\(backend.statistics.summary)")
    }

    @Test func aMissingBucketIsNamedAndCanBeCreated() throws {
        let bucket = "missing-\(UInt32.random(in: 0...UInt32.max))"
        let backend = try S3Backend(url: "s3:\(moto.endpoint)/\(bucket)/repo", configuration: S3TestBackends.configuration(),
                                    environment: MotoServer.environment)
        var objects = SeededObjects(seed: 37)
        let name = objects.name(.snapshots)
        do {
            _ = try backend.read(name)
            Issue.record("read from a missing bucket succeeded")
        } catch {
            #expect("\(error)".contains(bucket) && "\(error)".contains("does not exist"), "\(error)")
        }
        #expect(throws: BackendError.self) { try backend.list(.snapshots) }
        #expect(backend.statistics.retries == 0, "a missing bucket is not retried")
        try backend.createBucketIfNeeded()
        try backend.createBucketIfNeeded()
        try backend.write(name, [1])
        #expect(try backend.list(.snapshots) == [ObjectInfo(name: name, size: 1)])
    }

    @Test func factoryCreatesAndOpens() throws {
        let location = "s3:\(moto.endpoint)/factory-\(UInt32.random(in: 0...UInt32.max))/nested/repo"
        let created = try BackendFactory.create(location, environment: MotoServer.environment)
        #expect(created is S3Backend)
        try created.write(.config, Array("{}".utf8))
        #expect(throws: BackendError.alreadyExists(location: location)) {
            try BackendFactory.create(location, environment: MotoServer.environment)
        }
        let opened = try BackendFactory.open(location, environment: MotoServer.environment)
        #expect(try opened.read(.config) == Array("{}".utf8))
        #expect(opened.location == location)
    }

    @Test func missingCredentialsAreExplained() throws {
        let environment = ["HOME": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_CONFIG_FILE": "/dev/null"]
        do {
            _ = try S3Backend(url: "s3:\(moto.endpoint)/bucket-name/repo", environment: environment)
            Issue.record("a backend without credentials")
        } catch {
            #expect("\(error)".contains("AWS_ACCESS_KEY_ID"), "\(error)")
        }
    }

    @Test func locationsAreCheckedAndNeverShowSecrets() throws {
        for bad in ["s3:", "s3://", "s3:http://127.0.0.1:1", "s3:http://127.0.0.1:1/", "s3:http:///bucket", "s3://UPPER/x", "s3://ab/x",
                    "s3:ftp://host/bucket"] {
            #expect(throws: BackendError.self, "\(bad)") { try S3Backend(url: bad, environment: MotoServer.environment) }
        }
        var environment = MotoServer.environment
        environment["AWS_SECRET_ACCESS_KEY"] = "very-secret-key-value"
        let backend = try S3Backend(url: "s3:\(moto.endpoint)/no-such-bucket-here/repo", configuration: S3TestBackends.configuration(),
                                    environment: environment)
        #expect(!backend.location.contains("very-secret"))
        do {
            _ = try backend.list(.index)
        } catch {
            #expect(!"\(error)".contains("very-secret"), "\(error)")
        }
    }
}
