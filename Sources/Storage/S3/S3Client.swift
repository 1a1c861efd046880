import Crypto
import Foundation

/// Signed HTTP requests to one bucket, with bounded retries.
///
/// Synchronous (the caller's thread does the work) and thread-safe: `HTTPClient` runs the
/// requests, up to `connections` at once. Retried: connection failures, timeouts, 500, 502, 503
/// (SlowDown), 504 and S3's RequestTimeout, with exponential backoff and full jitter.
/// Everything else is answered at once.
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

    init(location: S3Location, configuration: S3Configuration, credentials: AWSCredentials, region: String) {
        self.location = location
        self.configuration = configuration
        signer = SigV4Signer(credentials: credentials, region: region)
        http = HTTPClient(timeout: configuration.requestTimeout, maxConnections: configuration.connections,
                          trustedCertificates: configuration.trustedCertificates, bandwidth: configuration.bandwidth)
    }

    var region: String { signer.region }

    /// Sends one request (key nil: the bucket itself), retrying what may succeed on a
    /// second try. `type` names it in the statistics. Statuses in `accept` are answers;
    /// any other is turned into an error by `S3ErrorMapping`.
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
            let outcome = perform(method, key: key, query: query, headers: extra, body: body, payloadHash: payloadHash, type: type)
            let last: BackendError
            switch outcome {
            case .success(let response) where accept.contains(response.status):
                return response
            case .success(let response):
                let failure = S3ErrorMapping.error(for: response, location: location, key: key, region: region)
                guard S3ErrorMapping.isRetryable(response), attempt < configuration.maxAttempts else {
                    throw attempt > 1 ? S3ErrorMapping.exhausted(failure, attempts: attempt, location: location) : failure
                }
                last = failure
            case .failure(let error):
                guard !error.isPermanent else { throw .service("\(location.description): \(error)") }
                guard attempt < configuration.maxAttempts else {
                    if case .timedOut = error {
                        throw S3ErrorMapping.idle(method: method, seconds: configuration.requestTimeout, attempts: attempt, location: location)
                    }
                    throw S3ErrorMapping.exhausted(.service("\(error)"), attempts: attempt, location: location)
                }
                last = .service("\(error)")
            }
            let ceiling = min(configuration.maxRetryDelay, configuration.retryBaseDelay * pow(2, Double(attempt - 1)))
            let delay = Double.random(in: 0...ceiling)
            // The budget covers all tries: none starts once the wait would reach it.
            guard Date().timeIntervalSince(started) + delay < configuration.requestBudget else {
                throw S3ErrorMapping.overBudget(last, method: method, seconds: configuration.requestBudget, attempts: attempt, location: location)
            }
            counters.retried()
            Thread.sleep(forTimeInterval: delay)
        }
    }

    private func perform(_ method: String, key: String?, query: [(String, String)], headers extra: [String: String], body: Data?,
                         payloadHash: String, type: String) -> Result<Response, HTTPError> {
        let (host, path) = location.address(region: region, key: key)
        var headers = [String: String]()
        for (name, value) in extra { headers[name.lowercased()] = value }
        signer.sign(method: method, host: host, path: path, query: query, headers: &headers, payloadHash: payloadHash, date: Date())
        let queryText = query.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&")
        guard let endpoint = HTTPEndpoint(secure: location.scheme == "https", authority: host) else {
            return .failure(.unresolvable(host: host, reason: "not a host[:port]"))
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
