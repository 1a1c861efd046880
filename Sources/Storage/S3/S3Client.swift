import Crypto
import Foundation
import Synchronization
import Workers

/// Signed HTTP requests to one bucket, retried within a time budget.
///
/// Synchronous (the caller's thread does the work) and thread-safe: `HTTPClient` runs the
/// requests, up to `connections` at once. Retried as `configuration.retry` allows (exponential
/// backoff, full jitter, a budget of time per request): refused, reset or lost connections,
/// names that do not resolve, timeouts, 500, 502, 503 (SlowDown), 504, S3's RequestTimeout
/// and throttling. Everything else (authentication, signatures, access denied, a missing
/// bucket, an untrusted certificate) is answered at once.
final class S3Client: @unchecked Sendable {
    struct Response {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
    }

    let location: S3Location
    let configuration: S3Configuration
    let counters = S3Counters()
    private let signer: SigV4Signer
    private let http: HTTPClient
    /// The failure of the first request that spent its whole budget. Once set, the store
    /// has been unreachable for that long, so each later request (releasing a lock, the
    /// uploads still queued) gets one try rather than a budget of its own, and a dead store
    /// ends the command after one budget, not one per request. A later request that fails
    /// reports this failure, not its own single try: whichever error reaches the user first
    /// then names the request that was tried for the budget.
    private let firstGiveUp = Mutex<BackendError?>(nil)

    init(location: S3Location, configuration: S3Configuration, credentials: AWSCredentials, region: String) {
        self.location = location
        self.configuration = configuration
        signer = SigV4Signer(credentials: credentials, region: region)
        http = HTTPClient(timeout: configuration.requestTimeout, maxConnections: configuration.connections,
                          trustedCertificates: configuration.trustedCertificates, bandwidth: configuration.bandwidth)
    }

    var region: String { signer.region }

    /// Sends one request (key nil: the bucket itself), retrying what may succeed on a
    /// later try as `configuration.retry` allows, and telling `configuration.onRetry` of each
    /// wait. `type` names it in the statistics. Statuses in `accept` are answers; any other
    /// is turned into an error by `S3ErrorMapping`.
    func send(_ method: String, key: String?, query: [(String, String)] = [], headers extra: [String: String] = [:],
              body: Data? = nil, type: String, accept: Set<Int> = [200]) throws(BackendError) -> Response {
        let payloadHash: String
        if configuration.unsignedPayload && body != nil {
            payloadHash = SigV4Signer.unsignedPayload
        } else {
            payloadHash = (body ?? Data()).withUnsafeBytes { SHA256.hash($0).hex }
        }
        let started = Date()
        var attempt = 0
        while true {
            attempt += 1
            let failure: S3Failure
            switch try perform(method, key: key, query: query, headers: extra, body: body, payloadHash: payloadHash, type: type) {
            case .success(let response) where accept.contains(response.status):
                return response
            case .success(let response):
                // Authentication, signature, access denied, a missing bucket: no try will change it.
                guard S3ErrorMapping.isRetryable(response) else {
                    throw S3ErrorMapping.error(for: response, location: location, key: key, region: region)
                }
                failure = .answer(response)
            case .failure(let error):
                guard !error.isPermanent else { throw .service("\(location.description): \(error)") }
                failure = .transport(error)
            }
            let elapsed = Date().timeIntervalSince(started)
            let request = requestLabel(type, key: key, query: query)
            let stopping = Cancellation.process.isCancelled
            let earlier = firstGiveUp.withLock { $0 }
            let policy = earlier != nil ? configuration.retry.singleTry : configuration.retry
            guard let wait = policy.nextWait(after: attempt, elapsed: elapsed), !stopping else {
                let error = S3ErrorMapping.gaveUp(failure, request: request, seconds: elapsed, attempts: attempt,
                                                  configuration: configuration, location: location, stopping: stopping)
                if stopping { throw error }
                throw firstGiveUp.withLock { first in
                    if first == nil { first = error }
                    return first!
                }
            }
            counters.retried()
            configuration.onRetry?(RetryEvent(store: location.description, request: request, failure: failure.summary,
                                              attempt: attempt, wait: wait, elapsed: elapsed))
            Self.sleep(wait)
        }
    }

    /// Sleeps `seconds`, or less when the process is asked to stop (SIGINT, SIGTERM): a wait
    /// of 30 s must not hold up a stop.
    static func sleep(_ seconds: Double) {
        let until = Date().addingTimeInterval(seconds)
        while !Cancellation.process.isCancelled {
            let left = until.timeIntervalSinceNow
            guard left > 0 else { return }
            Thread.sleep(forTimeInterval: min(left, 0.1))
        }
    }

    /// How messages name a request: `PUT data/ab/ab12cd34ef56…`, `LIST index/`, `HEAD bucket`.
    func requestLabel(_ type: String, key: String?, query: [(String, String)]) -> String {
        let prefix = location.key("")
        func relative(_ key: String) -> String { key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key }
        guard let key else {
            if let listed = query.first(where: { $0.0 == "prefix" })?.1, !relative(listed).isEmpty { return "\(type) \(relative(listed))" }
            return "\(type) bucket"
        }
        var parts = relative(key).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if let last = parts.last, last.count > 16, last.allSatisfy(\.isHexDigit) { parts[parts.count - 1] = last.prefix(12) + "…" }
        return "\(type) \(parts.joined(separator: "/"))"
    }

    /// One try: the store's answer, or why there was none. Throws only what no try can change.
    private func perform(_ method: String, key: String?, query: [(String, String)], headers extra: [String: String], body: Data?,
                         payloadHash: String, type: String) throws(BackendError) -> Result<Response, HTTPError> {
        let (host, path) = location.address(region: region, key: key)
        var headers = [String: String]()
        for (name, value) in extra { headers[name.lowercased()] = value }
        signer.sign(method: method, host: host, path: path, query: query, headers: &headers, payloadHash: payloadHash, date: Date())
        let queryText = query.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&")
        guard let endpoint = HTTPEndpoint(secure: location.scheme == "https", authority: host) else {
            throw .service("\(location.description): \(host.debugDescription) is not a host[:port]")
        }
        var request = HTTPRequest(method: method, target: path + (queryText.isEmpty ? "" : "?" + queryText), body: body)
        for (name, value) in headers where name != "host" { request.headers.append((name, value)) }
        // Bytes as stored: a store or proxy that compressed its answers would break the length checks.
        request.headers.append(("accept-encoding", "identity"))
        if body != nil && headers["content-type"] == nil {
            // Some servers parse an untyped POST body as a web form, and lose it.
            request.headers.append(("content-type", method == "POST" ? "application/xml" : "application/octet-stream"))
        }
        let result: Result<Response, HTTPError>
        do {
            let answer = try http.send(request, to: endpoint)
            result = .success(Response(status: answer.status, headers: answer.headers, body: answer.body))
        } catch {
            result = .failure(error)
        }
        counters.record(type, sent: body?.count ?? 0, received: (try? result.get().body.count) ?? 0)
        return result
    }
}
