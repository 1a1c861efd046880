import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Signed HTTP requests to one bucket, with bounded retries.
///
/// Synchronous (the caller's thread waits) and thread-safe: URLSession runs the requests,
/// up to `connections` at once. Retried: connection failures, timeouts, 500, 502, 503
/// (SlowDown), 504 and S3's RequestTimeout, with exponential backoff and full jitter.
/// Everything else is answered at once.
final class S3Client: @unchecked Sendable {
    struct Response {
        let status: Int
        let headers: [String: String]
        let body: Data
    }

    let location: S3Location
    let configuration: S3Configuration
    let counters = S3Counters()
    private let signer: SigV4Signer
    private let session: URLSession

    init(location: S3Location, configuration: S3Configuration, credentials: AWSCredentials, region: String) {
        self.location = location
        self.configuration = configuration
        signer = SigV4Signer(credentials: credentials, region: region)
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.httpMaximumConnectionsPerHost = configuration.connections
        sessionConfiguration.timeoutIntervalForRequest = configuration.requestTimeout
        sessionConfiguration.timeoutIntervalForResource = max(configuration.requestTimeout * 20, 600)
        sessionConfiguration.urlCache = nil
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        sessionConfiguration.httpCookieStorage = nil
        session = URLSession(configuration: sessionConfiguration)
    }

    deinit { session.invalidateAndCancel() }

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
        var attempt = 0
        while true {
            attempt += 1
            let outcome = perform(method, key: key, query: query, headers: extra, body: body, payloadHash: payloadHash, type: type)
            switch outcome {
            case .success(let response) where accept.contains(response.status):
                return response
            case .success(let response):
                let failure = S3ErrorMapping.error(for: response, location: location, key: key, region: region)
                guard S3ErrorMapping.isRetryable(response), attempt < configuration.maxAttempts else {
                    throw attempt > 1 ? S3ErrorMapping.exhausted(failure, attempts: attempt, location: location) : failure
                }
            case .failure(let error):
                guard attempt < configuration.maxAttempts else {
                    throw S3ErrorMapping.exhausted(.service("\(error.localizedDescription)"), attempts: attempt, location: location)
                }
            }
            counters.retried()
            let ceiling = min(configuration.maxRetryDelay, configuration.retryBaseDelay * pow(2, Double(attempt - 1)))
            Thread.sleep(forTimeInterval: Double.random(in: 0...ceiling))
        }
    }

    private func perform(_ method: String, key: String?, query: [(String, String)], headers extra: [String: String], body: Data?,
                         payloadHash: String, type: String) -> Result<Response, Error> {
        let (host, path) = location.address(region: region, key: key)
        var headers = [String: String]()
        for (name, value) in extra { headers[name.lowercased()] = value }
        signer.sign(method: method, host: host, path: path, query: query, headers: &headers, payloadHash: payloadHash, date: Date())
        let queryText = query.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&")
        guard let url = URL(string: "\(location.scheme)://\(host)\(path)\(queryText.isEmpty ? "" : "?" + queryText)") else {
            return .failure(BackendError.service("cannot form a URL for \(location.description)"))
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = configuration.requestTimeout
        for (name, value) in headers where name != "host" { request.setValue(value, forHTTPHeaderField: name) }
        // Bytes as stored: a store or proxy that compressed its answers would break the length checks.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if let body {
            request.httpBody = body
            // Without a type, curl sends a POST as a web form, and some servers parse the body away.
            if headers["content-type"] == nil {
                request.setValue(method == "POST" ? "application/xml" : "application/octet-stream", forHTTPHeaderField: "Content-Type")
            }
        }

        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<Response, Error> = .failure(BackendError.service("no response"))
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                result = .failure(error)
            } else if let http = response as? HTTPURLResponse {
                var fields = [String: String]()
                for (name, value) in http.allHeaderFields {
                    if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
                }
                result = .success(Response(status: http.statusCode, headers: fields, body: data ?? Data()))
            }
            done.signal()
        }
        task.resume()
        done.wait()
        let received = (try? result.get().body.count) ?? 0
        counters.record(type, sent: body?.count ?? 0, received: received)
        return result
    }
}
