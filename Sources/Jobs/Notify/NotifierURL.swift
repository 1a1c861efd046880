import Repo
import Storage

/// A notifier's http(s) URL taken apart for the HTTP client. Webhook URLs carry their
/// token in the path or query, so only `redacted` (scheme, host, port) may ever be shown.
struct NotifierURL: Sendable {
    let endpoint: HTTPEndpoint
    /// Percent-encoded, from the first "/" (at least "/").
    let path: String
    /// After "?", without it; nil when the URL has none.
    let query: String?

    /// Nil unless `text` is http:// or https://, a host, and visible ASCII only (what a
    /// request line can carry). Credentials before the host are refused: they would be a
    /// secret in a field nobody treats as one.
    init?(_ text: String) {
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        let secure: Bool
        var rest: Substring
        if text.lowercased().hasPrefix("https://") {
            secure = true
            rest = text.dropFirst(8)
        } else if text.lowercased().hasPrefix("http://") {
            secure = false
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }  // a fragment is never sent
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@"), let endpoint = HTTPEndpoint(secure: secure, authority: String(authority)) else { return nil }
        self.endpoint = endpoint
        let target = rest[authorityEnd...]
        let queryStart = target.firstIndex(of: "?")
        let path = target[..<(queryStart ?? target.endIndex)]
        self.path = path.isEmpty ? "/" : String(path)
        query = queryStart.map { String(target[target.index(after: $0)...]) }
    }

    private init(endpoint: HTTPEndpoint, path: String, query: String?) {
        self.endpoint = endpoint
        self.path = path
        self.query = query
    }

    /// The path and query for the request line.
    var target: String { query.map { "\(path)?\($0)" } ?? path }

    /// The same URL with `suffix` ("/start") added to its path, before any query.
    func appendingToPath(_ suffix: String) -> NotifierURL {
        let base = path.hasSuffix("/") && suffix.hasPrefix("/") ? String(path.dropLast()) : path
        return NotifierURL(endpoint: endpoint, path: base + suffix, query: query)
    }

    /// What may be shown of it: no path, no query.
    var redacted: String { "\(endpoint.secure ? "https" : "http")://\(endpoint.authority)" }
}
