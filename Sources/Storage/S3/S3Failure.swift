import Foundation

/// Why one try of an S3 request failed in a way worth retrying: an answer (5xx, SlowDown,
/// RequestTimeout) or none at all.
enum S3Failure {
    case answer(S3Client.Response)
    case transport(HTTPError)

    /// For the line of each wait: `503 SlowDown`, `500 InternalError`, `HTTP 503`, `cannot connect to …`.
    var summary: String {
        switch self {
        // A HEAD's answer has no body, so no code: the status alone.
        case .answer(let response): S3ErrorMapping.code(response).map { "\(response.status) \($0)" } ?? "HTTP \(response.status)"
        case .transport(let error): error.description
        }
    }

    /// For the final line: the summary and the store's message, if it gave one.
    var detail: String {
        guard case .answer(let response) = self, let message = S3XML.first("Message", in: response.body) else { return summary }
        return "\(summary): \(message)"
    }

    /// The try was given up for want of progress (REPO_S3_IDLE_TIMEOUT).
    var isIdle: Bool {
        if case .transport(.timedOut) = self { return true }
        return false
    }
}
