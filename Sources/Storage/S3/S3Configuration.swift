/// How the S3 backend talks to the store.
public struct S3Configuration: Sendable {
    /// Requests in flight at once (and the uploads a snapshot overlaps).
    public var connections = 8
    /// Objects larger than this are uploaded in parts, in parallel.
    public var multipartThreshold = 64 << 20
    public var partSize = 16 << 20
    /// Attempts per request before giving up (5xx, SlowDown, timeouts, reset connections).
    public var maxAttempts = 6
    /// The first retry waits up to this many seconds; each next one up to twice as long
    /// (full jitter), at most `maxRetryDelay`.
    public var retryBaseDelay: Double = 0.2
    public var maxRetryDelay: Double = 20
    /// Storage class for data packs (e.g. STANDARD_IA); everything else stays STANDARD, so
    /// it can be read without a restore request.
    public var storageClass: String?
    /// Seconds without progress before a request counts as stalled and is retried.
    public var requestTimeout: Double = 60
    /// Sign `UNSIGNED-PAYLOAD` instead of the body's SHA-256 (uploads still carry
    /// x-amz-checksum-sha256). Off by default.
    public var unsignedPayload = false
    /// A PEM file of CA certificates to trust besides the system's (a MinIO or Ceph behind a
    /// private CA). OpenSSL's SSL_CERT_FILE and SSL_CERT_DIR work as well.
    public var trustedCertificates: String?

    public init() {}

    /// The settings users may change through the environment: REPO_S3_CONNECTIONS,
    /// REPO_S3_STORAGE_CLASS, REPO_S3_UNSIGNED_PAYLOAD=1, REPO_S3_MAX_ATTEMPTS, REPO_S3_CA_FILE.
    public init(environment: [String: String]) {
        self.init()
        if let text = environment["REPO_S3_CONNECTIONS"], let value = Int(text), (1...128).contains(value) { connections = value }
        if let text = environment["REPO_S3_MAX_ATTEMPTS"], let value = Int(text), (1...100).contains(value) { maxAttempts = value }
        if let value = environment["REPO_S3_STORAGE_CLASS"], !value.isEmpty { storageClass = value }
        unsignedPayload = environment["REPO_S3_UNSIGNED_PAYLOAD"] == "1"
        if let path = environment["REPO_S3_CA_FILE"], !path.isEmpty { trustedCertificates = path }
    }
}
