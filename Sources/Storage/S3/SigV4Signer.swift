import Crypto
import Foundation

/// AWS Signature Version 4 for S3 requests (the "Authorization header" form).
///
/// The signature covers the method, the path, the query, the `host` and every `x-amz-*`
/// header, and the payload's SHA-256; the secret key itself never leaves `signingKey`.
struct SigV4Signer: Sendable {
    let credentials: AWSCredentials
    let region: String
    let service: String

    init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The SHA-256 that stands for a payload that is not signed (an option, off by default).
    static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// Adds `x-amz-date`, `x-amz-content-sha256`, the session token if any, and
    /// `Authorization` to `headers` (keys lowercase). `path` is already URI-encoded;
    /// `query` holds decoded names and values.
    func sign(method: String, host: String, path: String, query: [(String, String)], headers: inout [String: String],
              payloadHash: String, date: Date) {
        let (day, time) = Self.timestamps(date)
        headers["host"] = host
        headers["x-amz-date"] = time
        headers["x-amz-content-sha256"] = payloadHash
        if let token = credentials.sessionToken { headers["x-amz-security-token"] = token }
        let signed = headers.keys.filter { $0 == "host" || $0.hasPrefix("x-amz-") || $0 == "content-md5" || $0 == "range" }.sorted()
        headers["authorization"] = authorization(method: method, path: path, query: query, headers: headers, signed: signed,
                                                 payloadHash: payloadHash, day: day, time: time)
    }

    /// The Authorization header for a request whose headers (lowercase names) are final;
    /// `signed` names the ones the signature covers, sorted.
    func authorization(method: String, path: String, query: [(String, String)], headers: [String: String], signed: [String],
                       payloadHash: String, day: String, time: String) -> String {
        let canonical = Self.canonicalRequest(method: method, path: path, query: query, headers: headers, signed: signed,
                                              payloadHash: payloadHash)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", time, scope, SHA256.hash(Array(canonical.utf8)).hex].joined(separator: "\n")
        let signature = HMACSHA256.authenticate(Array(stringToSign.utf8), key: SymmetricKey(bytes: signingKey(day: day))).hex
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)"
    }

    static func canonicalRequest(method: String, path: String, query: [(String, String)], headers: [String: String],
                                 signed: [String], payloadHash: String) -> String {
        let canonicalQuery = query.map { (uriEncode($0.0), uriEncode($0.1)) }.sorted { $0 < $1 }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let canonicalHeaders = signed.map { "\($0):\(trimmed(headers[$0] ?? ""))\n" }.joined()
        return [method, path, canonicalQuery, canonicalHeaders, signed.joined(separator: ";"), payloadHash].joined(separator: "\n")
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").
    func signingKey(day: String) -> [UInt8] {
        var key = Array(("AWS4" + credentials.secretAccessKey).utf8)
        for part in [day, region, service, "aws4_request"] {
            key = HMACSHA256.authenticate(Array(part.utf8), key: SymmetricKey(bytes: key)).bytes
        }
        return key
    }

    /// `yyyyMMdd` and `yyyyMMdd'T'HHmmss'Z'` in UTC.
    static func timestamps(_ date: Date) -> (day: String, time: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d%02d%02d", c.year!, c.month!, c.day!)
        return (day, day + String(format: "T%02d%02d%02dZ", c.hour!, c.minute!, c.second!))
    }

    /// RFC 3986 encoding as SigV4 wants it: everything but A–Z a–z 0–9 - _ . ~ (and `/`
    /// when `keepingSlashes`, for paths) as %XX with uppercase hex.
    static func uriEncode(_ text: String, keepingSlashes: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlashes:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    private static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}
