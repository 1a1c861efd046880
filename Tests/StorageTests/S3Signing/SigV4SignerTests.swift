import Foundation
@testable import Storage
import Testing

/// The worked examples of AWS's "Signature Calculations for the Authorization Header"
/// (Amazon S3 API reference, signature-v4-header-based-auth): same credentials, same
/// requests, the signatures the documentation prints.
@Suite struct SigV4SignerTests {
    static let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                                                secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                                                sessionToken: nil),
                                    region: "us-east-1")
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func signature(_ method: String, _ path: String, query: [(String, String)] = [], headers: [String: String],
                          payloadHash: String) -> String {
        let authorization = signer.authorization(method: method, path: path, query: query, headers: headers,
                                                 signed: headers.keys.sorted(), payloadHash: payloadHash,
                                                 day: "20130524", time: "20130524T000000Z")
        return String(authorization.split(separator: "=").last ?? "")
    }

    @Test func getObject() {
        let headers = ["host": "examplebucket.s3.amazonaws.com", "range": "bytes=0-9",
                       "x-amz-content-sha256": Self.emptyHash, "x-amz-date": "20130524T000000Z"]
        #expect(Self.signature("GET", "/test.txt", headers: headers, payloadHash: Self.emptyHash)
                == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func putObject() {
        let payloadHash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"  // "Welcome to Amazon S3."
        let headers = ["date": "Fri, 24 May 2013 00:00:00 GMT", "host": "examplebucket.s3.amazonaws.com",
                       "x-amz-content-sha256": payloadHash, "x-amz-date": "20130524T000000Z",
                       "x-amz-storage-class": "REDUCED_REDUNDANCY"]
        #expect(Self.signature("PUT", "/" + SigV4Signer.uriEncode("test$file.text", keepingSlashes: true), headers: headers,
                               payloadHash: payloadHash)
                == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func getBucketLifecycle() {
        let headers = ["host": "examplebucket.s3.amazonaws.com", "x-amz-content-sha256": Self.emptyHash,
                       "x-amz-date": "20130524T000000Z"]
        #expect(Self.signature("GET", "/", query: [("lifecycle", "")], headers: headers, payloadHash: Self.emptyHash)
                == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func listObjects() {
        let headers = ["host": "examplebucket.s3.amazonaws.com", "x-amz-content-sha256": Self.emptyHash,
                       "x-amz-date": "20130524T000000Z"]
        #expect(Self.signature("GET", "/", query: [("max-keys", "2"), ("prefix", "J")], headers: headers, payloadHash: Self.emptyHash)
                == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    /// The signing key of the documentation's derivation example (secret, 20120215,
    /// us-east-1, iam).
    @Test func signingKeyDerivation() {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "x", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                                             sessionToken: nil), region: "us-east-1", service: "iam")
        let key = signer.signingKey(day: "20120215").map { String(format: "%02x", $0) }.joined()
        #expect(key == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test func signIsConsistentWithAuthorization() {
        var headers: [String: String] = ["range": "bytes=0-9"]
        let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
        Self.signer.sign(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", query: [], headers: &headers,
                         payloadHash: Self.emptyHash, date: date)
        #expect(headers["x-amz-date"] == "20130524T000000Z")
        #expect(headers["authorization"]?.hasSuffix("Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41") == true,
                "\(headers["authorization"] ?? "")")
        #expect(headers["authorization"]?.contains("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date") == true)
    }

    @Test func uriEncoding() {
        #expect(SigV4Signer.uriEncode("a b/c~d*e", keepingSlashes: true) == "a%20b/c~d%2Ae")
        #expect(SigV4Signer.uriEncode("a/b") == "a%2Fb")
        #expect(SigV4Signer.uriEncode("é") == "%C3%A9")
    }
}

/// Locations, credentials files and the secret's absence from every description.
@Suite struct S3SettingsTests {
    @Test func locations() throws {
        let aws = try S3Location(parsing: "s3://my-bucket/backups/web1")
        #expect(aws.bucket == "my-bucket" && aws.prefix == "backups/web1" && aws.virtualHosted && aws.endpoint == nil)
        #expect(aws.address(region: "eu-west-1", key: "backups/web1/config") == ("my-bucket.s3.eu-west-1.amazonaws.com", "/backups/web1/config"))
        let minio = try S3Location(parsing: "s3:http://127.0.0.1:9000/bucket/")
        #expect(minio.endpoint == "127.0.0.1:9000" && minio.prefix == "" && !minio.virtualHosted && minio.scheme == "http")
        #expect(minio.address(region: "us-east-1", key: "config") == ("127.0.0.1:9000", "/bucket/config"))
        #expect(minio.address(region: "us-east-1", key: nil) == ("127.0.0.1:9000", "/bucket"))
        let forced = try S3Location(parsing: "s3:https://r2.example.com/bkt/p", virtualHosted: true)
        #expect(forced.address(region: "auto", key: "p/x") == ("bkt.r2.example.com", "/p/x"))
        for bad in ["s3:", "s3://", "s3://UPPER/x", "s3:ftp://host/bucket", "s3:https://host", "s3://ab"] {
            #expect(throws: BackendError.self, "\(bad)") { try S3Location(parsing: bad) }
        }
    }

    @Test func credentialsComeFromTheEnvironmentThenTheProfile() throws {
        let home = NSTemporaryDirectory() + "s3-settings-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        try """
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = defaultsecret
            [work]
            aws_access_key_id=AKIAWORK
            aws_secret_access_key=worksecret
            aws_session_token = token123
            """.write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try "[profile work]\nregion = eu-central-1\n[default]\nregion=us-west-2\n".write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)

        let (fromEnvironment, region1) = try AWSCredentials.resolve(
            environment: ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_REGION": "ap-south-1"], home: home)
        #expect(fromEnvironment.accessKeyID == "AKIAENV" && region1 == "ap-south-1")
        let (fromDefault, region2) = try AWSCredentials.resolve(environment: [:], home: home)
        #expect(fromDefault.accessKeyID == "AKIADEFAULT" && fromDefault.sessionToken == nil && region2 == "us-west-2")
        let (fromProfile, region3) = try AWSCredentials.resolve(environment: ["AWS_PROFILE": "work"], home: home)
        #expect(fromProfile.accessKeyID == "AKIAWORK" && fromProfile.sessionToken == "token123" && region3 == "eu-central-1")
        #expect(!"\(fromProfile)".contains("worksecret"))
        #expect(throws: BackendError.self) { try AWSCredentials.resolve(environment: ["AWS_PROFILE": "none"], home: home) }
    }
}
