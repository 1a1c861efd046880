import Crypto
import Foundation
import Workers

/// A repository in an S3 bucket (AWS or any S3-compatible store): each object is one key,
/// `PREFIX/config`, `PREFIX/data/ab/ab12…`, exactly the paths of the local layout.
///
/// PUTs are atomic, so writes need no temporary names. Every upload carries its SHA-256 in
/// the signature (x-amz-content-sha256), which the store checks, and single PUTs also
/// x-amz-checksum-sha256. Objects above `multipartThreshold` go up in parallel parts.
public final class S3Backend: Backend {
    public let location: String
    let client: S3Client
    private let s3: S3Location

    /// `url` is `s3://BUCKET/PREFIX` (AWS) or `s3:https://ENDPOINT/BUCKET/PREFIX`; the
    /// settings are `configuration`, else the environment's. `onRetry`, when given, is told
    /// of each wait before a retry.
    public init(url: String, configuration: S3Configuration? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment, onRetry: RetryObserver? = nil) throws(BackendError) {
        let virtualHosted = environment["REPO_S3_VIRTUAL_HOSTED"].map { $0 == "1" }
        s3 = try S3Location(parsing: url, virtualHosted: virtualHosted)
        let (credentials, region) = try AWSCredentials.resolve(environment: environment, home: nil)
        var settings: S3Configuration
        if let configuration { settings = configuration } else { settings = try S3Configuration(environment: environment) }
        if let onRetry { settings.onRetry = onRetry }
        client = S3Client(location: s3, configuration: settings,
                          credentials: credentials, region: region ?? "us-east-1")
        location = s3.description
    }

    public var statistics: S3Statistics { client.counters.snapshot }

    public var preferredConcurrency: Int { client.configuration.connections }
    public var preferredReadSize: Int { 8 << 20 }

    /// Creates the bucket if it does not exist (for `init`); a bucket already owned is fine.
    public func createBucketIfNeeded() throws(BackendError) {
        if (try? client.send("HEAD", key: nil, type: "HEAD", accept: [200])) != nil { return }
        var body: Data?
        if client.region != "us-east-1" && s3.endpoint == nil {
            body = Data("<CreateBucketConfiguration><LocationConstraint>\(client.region)</LocationConstraint></CreateBucketConfiguration>".utf8)
        }
        let response = try client.send("PUT", key: nil, body: body, type: "PUT", accept: [200, 409])
        if response.status == 409 && S3ErrorMapping.code(response) != "BucketAlreadyOwnedByYou" {
            throw S3ErrorMapping.error(for: response, location: s3, key: nil, region: client.region)
        }
    }

    // MARK: Backend

    public func list(_ kind: ObjectKind) throws(BackendError) -> [ObjectInfo] {
        let prefix = s3.key(kind == .config ? "config" : kind.rawValue + "/")
        var found: [ObjectInfo] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try client.send("GET", key: nil, query: query, type: "LIST")
            let page = S3XML.listPage(response.body)
            for object in page.objects {
                guard let name = objectName(ofKey: object.key), name.kind == kind else { continue }
                let archiveClass = S3ArchiveHeaders.mayBeArchived(listedAs: object.storageClass) ? object.storageClass : nil
                found.append(ObjectInfo(name: name, size: object.size, archiveClass: archiveClass))
            }
            token = page.next
        } while token != nil
        return found
    }

    public func read(_ name: ObjectName) throws(BackendError) -> [UInt8] {
        let response = try get(name, headers: [:])
        if let expected = response.headers["content-length"].flatMap(Int.init), expected != response.body.count {
            throw .truncated(name, expected: expected, actual: response.body.count)
        }
        return response.body
    }

    public func read(_ name: ObjectName, range: Range<Int>) throws(BackendError) -> [UInt8] {
        guard range.lowerBound >= 0 else { throw .service("invalid range \(range) for \(name)") }
        if range.isEmpty {
            // Still "not found" for a missing object, as on every backend.
            guard try stat(name) != nil else { throw .notFound(name) }
            return []
        }
        let response: S3Client.Response
        do {
            response = try get(name, headers: ["Range": "bytes=\(range.lowerBound)-\(range.upperBound - 1)"], accept: [200, 206, 416])
        }
        if response.status == 416 { throw .truncated(name, expected: range.count, actual: 0) }
        var bytes = response.body
        // A store that ignores Range answers 200 with the whole object.
        if response.status == 200 {
            bytes = Array(bytes[min(range.lowerBound, bytes.count)..<min(range.upperBound, bytes.count)])
        }
        if bytes.count < range.count { throw .truncated(name, expected: range.count, actual: bytes.count) }
        return bytes
    }

    public func write(_ name: ObjectName, _ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        guard name.isValid else { throw .invalidName(name) }
        var headers: [String: String] = [:]
        if name.kind == .dataPack, let storageClass = client.configuration.storageClass { headers["x-amz-storage-class"] = storageClass }
        if bytes.count > client.configuration.multipartThreshold {
            try MultipartUpload(client: client, key: s3.key(name.path), headers: headers).run(bytes)
            return
        }
        headers["x-amz-checksum-sha256"] = Data(SHA256.hash(bytes).bytes).base64EncodedString()
        _ = try client.send("PUT", key: s3.key(name.path), headers: headers, body: Self.borrowing(bytes), type: "PUT")
    }

    public func delete(_ name: ObjectName) throws(BackendError) {
        guard name.isValid else { throw .invalidName(name) }
        _ = try client.send("DELETE", key: s3.key(name.path), type: "DELETE", accept: [200, 204, 404])
    }

    public func stat(_ name: ObjectName) throws(BackendError) -> ObjectInfo? {
        guard name.isValid else { throw .invalidName(name) }
        let response = try client.send("HEAD", key: s3.key(name.path), type: "HEAD", accept: [200, 404])
        guard response.status == 200 else { return nil }
        return ObjectInfo(name: name, size: response.headers["content-length"].flatMap(Int.init) ?? 0)
    }

    // MARK: Archive tiers

    public var hasArchiveTiers: Bool { true }

    public func archiveState(_ name: ObjectName) throws(BackendError) -> ArchiveState {
        guard name.isValid else { throw .invalidName(name) }
        let response = try client.send("HEAD", key: s3.key(name.path), type: "HEAD", accept: [200, 404])
        guard response.status == 200 else { throw .notFound(name) }
        return S3ArchiveHeaders.state(response.headers)
    }

    /// RestoreObject. Answers: 202 started, 200 a restored copy is already there (its
    /// expiry moves), 409 RestoreAlreadyInProgress; 403 InvalidObjectState when the object
    /// is in no archive class.
    public func requestThaw(_ name: ObjectName, tier: ThawTier, days: Int) throws(BackendError) -> ThawAnswer {
        guard name.isValid else { throw .invalidName(name) }
        let key = s3.key(name.path)
        let response = try client.send("POST", key: key, query: [("restore", "")], body: S3XML.restoreRequest(days: days, tier: tier),
                                       type: "POST", accept: [200, 202, 403, 404, 409])
        switch (response.status, S3ErrorMapping.code(response)) {
        case (202, _): return .requested
        case (200, _): return .alreadyRestored
        case (409, "RestoreAlreadyInProgress"): return .alreadyInProgress
        case (403, "InvalidObjectState"): return .notArchived
        case (404, "NoSuchKey"): throw .notFound(name)
        default: throw S3ErrorMapping.error(for: response, location: s3, key: key, region: client.region)
        }
    }

    /// Aborts the multipart uploads started under the prefix more than `seconds` ago: those
    /// of writes cut short (a process killed mid-upload), which the store keeps, bills and
    /// leaves out of object listings until they are completed or aborted. Only uploads to
    /// keys that name an object of the repository are touched, and only those the store
    /// dates legibly. Ages are the store's `Initiated` times against this host's clock,
    /// which SigV4 keeps within 15 minutes of the store's.
    public func removeIncompleteWrites(of kinds: Set<ObjectKind>, olderThan seconds: Double) throws(BackendError) -> Int {
        let cutoff = Date(timeIntervalSinceNow: -seconds)
        var stale: [S3XML.Upload] = []
        var marker: (key: String, uploadID: String?)?
        repeat {
            var query = [("uploads", ""), ("prefix", s3.key(""))]
            if let marker {
                query.append(("key-marker", marker.key))
                if let uploadID = marker.uploadID { query.append(("upload-id-marker", uploadID)) }
            }
            let page = S3XML.uploadsPage(try client.send("GET", key: nil, query: query, type: "LIST").body)
            for upload in page.uploads where !upload.id.isEmpty {
                guard let name = objectName(ofKey: upload.key), kinds.contains(name.kind) else { continue }
                if let initiated = Timestamps.parse(upload.initiated), initiated < cutoff { stale.append(upload) }
            }
            // A store that answers the same page again would otherwise be asked forever.
            if let next = page.next, let marker, next.key == marker.key && next.uploadID == marker.uploadID { break }
            marker = page.next
        } while marker != nil
        var aborted = 0
        var failure: BackendError?
        for upload in stale {
            do throws(BackendError) {
                if try MultipartUpload.abort(upload.id, of: upload.key, client: client) { aborted += 1 }
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw .service("\(failure) (aborted \(aborted) of \(stale.count) incomplete multipart uploads)") }
        return aborted
    }

    /// The object `key` stands for, if it is one of the repository's (under the prefix and
    /// named as the layout names objects).
    private func objectName(ofKey key: String) -> ObjectName? {
        let prefix = s3.key("")
        guard key.hasPrefix(prefix) else { return nil }
        return ObjectName(path: String(key.dropFirst(prefix.count)))
    }

    /// `bytes` as Data without copying them: valid while the caller's buffer is, which
    /// outlives every (synchronous) request made with it.
    static func borrowing(_ bytes: UnsafeRawBufferPointer) -> Data {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return Data() }
        return Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .none)
    }

    private func get(_ name: ObjectName, headers: [String: String], accept: Set<Int> = [200]) throws(BackendError) -> S3Client.Response {
        guard name.isValid else { throw .invalidName(name) }
        let key = s3.key(name.path)
        let response = try client.send("GET", key: key, headers: headers, type: "GET", accept: accept.union([403, 404]))
        if response.status == 403 {
            // An archived object (GLACIER, DEEP_ARCHIVE) not restored: not damage, and no
            // retry changes it. Its class is not in the answer; a HEAD would tell it.
            guard S3ErrorMapping.code(response) == "InvalidObjectState" else {
                throw S3ErrorMapping.error(for: response, location: s3, key: key, region: client.region)
            }
            throw .archived(name, storageClass: S3XML.first("StorageClass", in: response.body))
        }
        if response.status == 404 {
            if S3ErrorMapping.code(response) == "NoSuchBucket" {
                throw S3ErrorMapping.error(for: response, location: s3, key: nil, region: client.region)
            }
            throw .notFound(name)
        }
        return response
    }
}

/// One object uploaded in parts, `connections` at a time; aborted if any part fails, so
/// no half-written object is ever visible (S3 shows the object only on completion).
struct MultipartUpload {
    let client: S3Client
    let key: String
    let headers: [String: String]

    func run(_ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        let created = try client.send("POST", key: key, query: [("uploads", "")], headers: headers, type: "POST")
        guard let uploadID = S3XML.first("UploadId", in: created.body) else {
            throw .service("the store did not start a multipart upload for \(key)")
        }
        let partSize = max(5 << 20, client.configuration.partSize)
        let partCount = (bytes.count + partSize - 1) / partSize
        // Read-only, and it outlives the workers below, which return before `run` does.
        nonisolated(unsafe) let source = bytes
        // A pack is stored whole or not at all: a signal waits for its parts, not the reverse.
        let pool = WorkerPool(threads: min(partCount, client.configuration.connections), cancellation: Cancellation())
        let etags: [String]
        do {
            etags = try pool.map(partCount) { part in
                // Each part borrows its slice of the caller's buffer: no 16 MiB copies.
                let slice = UnsafeRawBufferPointer(rebasing: source[part * partSize..<min(source.count, (part + 1) * partSize)])
                let response = try client.send("PUT", key: key, query: [("partNumber", "\(part + 1)"), ("uploadId", uploadID)],
                                               body: S3Backend.borrowing(slice), type: "PUT")
                return response.headers["etag"] ?? ""
            }
        } catch {
            abort(uploadID)
            throw error as? BackendError ?? .service("multipart upload of \(key): \(error)")
        }
        guard etags.count == partCount else {
            abort(uploadID)
            throw .service("multipart upload of \(key) lost a part")
        }
        do throws(BackendError) {
            let completed = try client.send("POST", key: key, query: [("uploadId", uploadID)], body: S3XML.completeMultipart(etags),
                                            type: "POST")
            // S3 may answer 200 with an error document when completion fails late.
            if S3XML.first("Code", in: completed.body) != nil {
                throw S3ErrorMapping.error(for: completed, location: client.location, key: key, region: client.region)
            }
        } catch {
            abort(uploadID)
            throw error
        }
    }

    private func abort(_ uploadID: String) {
        _ = try? Self.abort(uploadID, of: key, client: client)
    }

    /// Aborts upload `uploadID` of `key`, dropping its parts. False if the store no longer
    /// had it (completed or aborted meanwhile).
    static func abort(_ uploadID: String, of key: String, client: S3Client) throws(BackendError) -> Bool {
        try client.send("DELETE", key: key, query: [("uploadId", uploadID)], type: "DELETE", accept: [200, 204, 404]).status != 404
    }
}
