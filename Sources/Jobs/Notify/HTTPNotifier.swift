import Foundation
import Repo
import Storage

/// Sends the webhook, Slack and healthchecks notifiers' requests: one POST per attempt,
/// with the project's HTTP client (https with the system's CAs plus `trustedCertificates`).
struct HTTPNotifier {
    let url: NotifierURL
    let timeout: Double
    let trustedCertificates: String?

    /// POSTs `body`; any 2xx answer is delivered.
    func post(_ body: Data, contentType: String, suffix: String = "") throws(NotifierFailure) {
        let destination = suffix.isEmpty ? url : url.appendingToPath(suffix)
        let client = HTTPClient(timeout: timeout, maxConnections: 1, trustedCertificates: trustedCertificates)
        defer { client.closeIdleConnections() }
        let request = HTTPRequest(method: "POST", target: destination.target,
                                  headers: [("Content-Type", contentType), ("User-Agent", "repo-notify/1"), ("Connection", "close")],
                                  body: body)
        let response: HTTPResponse
        do {
            response = try client.send(request, to: destination.endpoint)
        } catch {
            throw NotifierFailure(error)
        }
        guard (200...299).contains(response.status) else {
            // The answer's body is not quoted: a service may echo the URL, token and all.
            throw NotifierFailure("HTTP \(response.status) from \(destination.endpoint.host)",
                                  transient: response.status >= 500 || response.status == 429)
        }
    }
}
