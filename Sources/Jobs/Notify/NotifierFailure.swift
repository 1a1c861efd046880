import Repo
import Storage

/// Why one attempt to notify failed, in words that name a host at most (never a URL's
/// path or query, never a password), and whether another attempt may go better.
struct NotifierFailure: Error, CustomStringConvertible {
    let description: String
    /// Timeouts, lost connections, HTTP 5xx and 429, SMTP 4xx: worth a retry. A refused
    /// password, a 404 or an untrusted certificate stay what they are.
    let isTransient: Bool

    init(_ description: String, transient: Bool) {
        self.description = description
        isTransient = transient
    }

    /// HTTPError names the host only, so its text can be passed on.
    init(_ error: HTTPError) {
        self.init(error.description, transient: !error.isPermanent)
    }
}
