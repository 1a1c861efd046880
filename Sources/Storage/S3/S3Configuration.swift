import Foundation

/// How the S3 backend talks to the store.
public struct S3Configuration: Sendable {
    /// Requests in flight at once (and the uploads a snapshot overlaps).
    public var connections = 8
    /// Objects larger than this are uploaded in parts, in parallel.
    public var multipartThreshold = 64 << 20
    public var partSize = 16 << 20
    /// How failures worth retrying (5xx, SlowDown, timeouts, reset or refused connections,
    /// names that do not resolve) are retried: for `retry.budget` seconds per request
    /// (REPO_RETRY_BUDGET, `--retry-budget`), waits up to 30 s, no count unless
    /// REPO_S3_MAX_ATTEMPTS sets one.
    public var retry = RetryPolicy()
    /// Told of every wait before a retry (the command line shows them); nil: nobody.
    public var onRetry: RetryObserver?
    /// Storage class for data packs (e.g. STANDARD_IA); everything else stays STANDARD, so
    /// it can be read without a restore request.
    public var storageClass: String?
    /// Seconds without a byte received or sent before a request counts as stalled and is
    /// retried (REPO_S3_IDLE_TIMEOUT).
    public var requestTimeout: Double = 30
    /// Sign `UNSIGNED-PAYLOAD` instead of the body's SHA-256 (uploads still carry
    /// x-amz-checksum-sha256). Off by default.
    public var unsignedPayload = false
    /// A PEM file of CA certificates to trust besides the system's (a MinIO or Ceph behind a
    /// private CA). OpenSSL's SSL_CERT_FILE and SSL_CERT_DIR work as well.
    public var trustedCertificates: String?
    /// The bandwidth limits every connection is held to: the process's, shared with every
    /// other backend, unless a test gives its own.
    public var bandwidth: BandwidthLimits = .process

    public init() {}

    /// The settings users may change through the environment: REPO_S3_CONNECTIONS,
    /// REPO_S3_STORAGE_CLASS, REPO_S3_UNSIGNED_PAYLOAD=1, REPO_S3_MAX_ATTEMPTS, REPO_S3_CA_FILE,
    /// REPO_S3_IDLE_TIMEOUT and REPO_RETRY_BUDGET (durations such as `30s`, `500ms`, `10m`; a
    /// bad or out-of-range one is an error, not ignored). REPO_S3_REQUEST_TIMEOUT, the older
    /// name of the budget, still counts when REPO_RETRY_BUDGET is not set.
    public init(environment: [String: String]) throws(BackendError) {
        self.init()
        if let text = environment["REPO_S3_IDLE_TIMEOUT"] {
            requestTimeout = try Self.duration(text, name: "REPO_S3_IDLE_TIMEOUT", range: 0.1...3600)
        }
        if let text = environment["REPO_RETRY_BUDGET"] {
            retry.budget = try Self.duration(text, name: "REPO_RETRY_BUDGET", range: Self.budgetRange)
        } else if let text = environment["REPO_S3_REQUEST_TIMEOUT"] {
            retry.budget = try Self.duration(text, name: "REPO_S3_REQUEST_TIMEOUT", range: 1...Self.budgetRange.upperBound)
        }
        if let text = environment["REPO_S3_CONNECTIONS"], let value = Int(text), (1...128).contains(value) { connections = value }
        if let text = environment["REPO_S3_MAX_ATTEMPTS"] {
            guard let value = Int(text), (1...10_000).contains(value) else {
                throw .service("REPO_S3_MAX_ATTEMPTS=\(text.debugDescription) is not a whole number from 1 to 10000")
            }
            retry.maxAttempts = value
        }
        if let value = environment["REPO_S3_STORAGE_CLASS"], !value.isEmpty { storageClass = value }
        unsignedPayload = environment["REPO_S3_UNSIGNED_PAYLOAD"] == "1"
        if let path = environment["REPO_S3_CA_FILE"], !path.isEmpty { trustedCertificates = path }
    }

    /// The retry budgets accepted: 0 (never retry) to 24 hours.
    public static let budgetRange: ClosedRange<Double> = 0...86400

    /// Seconds in `text`: a span as `TimeSpan` reads it (`30s`, `500ms`, `5m`), or a bare
    /// number of seconds.
    static func duration(_ text: String, name: String, range: ClosedRange<Double>) throws(BackendError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let seconds = Double(trimmed).flatMap({ $0.isFinite ? $0 : nil }) ?? TimeSpan.parse(trimmed), range.contains(seconds) else {
            throw .service("\(name)=\(text.debugDescription) is not a duration from \(describe(range.lowerBound)) to \(describe(range.upperBound)) (for example 30s, 500ms, 5m)")
        }
        return seconds
    }

    /// `30 s`, `0.5 s`: how the messages name a number of seconds.
    static func describe(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}
