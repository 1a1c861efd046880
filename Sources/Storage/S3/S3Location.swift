/// Where an S3 repository lives, parsed from what users write:
/// - `s3://BUCKET/PREFIX` — AWS, virtual-hosted (`https://BUCKET.s3.REGION.amazonaws.com`);
/// - `s3:https://ENDPOINT/BUCKET/PREFIX` (or `http://`) — any S3-compatible store (MinIO, Ceph,
///   R2, B2, GCS), path-style unless `REPO_S3_VIRTUAL_HOSTED=1`.
struct S3Location: Sendable, Equatable {
    var scheme: String
    /// Host and port of the endpoint, nil for AWS (derived from the region).
    var endpoint: String?
    var bucket: String
    /// The key prefix, without leading or trailing `/` (may be empty).
    var prefix: String
    var virtualHosted: Bool

    init(parsing text: String, virtualHosted forced: Bool? = nil) throws(BackendError) {
        func invalid(_ why: String) -> BackendError {
            .service("cannot read S3 location \(text.debugDescription): \(why) (s3://BUCKET/PREFIX or s3:https://ENDPOINT/BUCKET/PREFIX)")
        }
        var rest: Substring
        if text.hasPrefix("s3://") {
            scheme = "https"
            endpoint = nil
            rest = text.dropFirst(5)
        } else if text.hasPrefix("s3:http://") || text.hasPrefix("s3:https://") {
            let afterS3 = text.dropFirst(3)
            scheme = afterS3.hasPrefix("https") ? "https" : "http"
            rest = afterS3.dropFirst(scheme.count + 3)
            guard let slash = rest.firstIndex(of: "/") else { throw invalid("no bucket after the endpoint") }
            endpoint = String(rest[..<slash])
            guard !(endpoint ?? "").isEmpty else { throw invalid("empty endpoint") }
            rest = rest[rest.index(after: slash)...]
        } else {
            throw invalid("unknown form")
        }
        let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        bucket = String(parts.first ?? "")
        guard Self.isValidBucket(bucket) else { throw invalid("bad bucket name \(bucket.debugDescription)") }
        prefix = parts.count > 1 ? parts[1].split(separator: "/").joined(separator: "/") : ""
        virtualHosted = forced ?? (endpoint == nil)
    }

    /// S3's rules, loosely: 3 to 63 of lowercase letters, digits, `.` and `-`.
    static func isValidBucket(_ name: String) -> Bool {
        (3...63).contains(name.utf8.count) && name.utf8.allSatisfy {
            (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2e || $0 == 0x2d
        }
    }

    /// The host requests go to, and the path of `key` on it (URI-encoded).
    func address(region: String, key: String?) -> (host: String, path: String) {
        let host = endpoint ?? (region == "us-east-1" ? "s3.amazonaws.com" : "s3.\(region).amazonaws.com")
        let encodedKey = key.map { "/" + SigV4Signer.uriEncode($0, keepingSlashes: true) } ?? "/"
        if virtualHosted { return ("\(bucket).\(host)", encodedKey) }
        return (host, "/\(bucket)" + (key == nil ? "" : encodedKey))
    }

    /// The key of an object path (`data/ab/ab12…`) under the prefix.
    func key(_ path: String) -> String { prefix.isEmpty ? path : "\(prefix)/\(path)" }

    /// For messages: never holds credentials.
    var description: String {
        endpoint.map { "s3:\(scheme)://\($0)/\(bucket)\(prefix.isEmpty ? "" : "/" + prefix)" } ?? "s3://\(bucket)\(prefix.isEmpty ? "" : "/" + prefix)"
    }
}
