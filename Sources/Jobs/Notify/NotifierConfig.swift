import Foundation
import Repo
import Storage

/// One `[notify.NAME]` table of a job file: where to tell whom, and on which events.
///
/// ```toml
/// [notify.ops]
/// type = "webhook"            # webhook | slack | healthchecks | email
/// url = "https://hooks.example/T000/B000"
/// on = ["failure", "warning"] # start | success | warning | failure
/// ```
/// Email notifiers name `smtp = "host:port"`, `from`, `to`, and for AUTH `password-file`
/// (with `user`, which defaults to `from`) instead of a URL.
public struct NotifierConfig: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        /// A JSON document (schema version 1) POSTed to the URL.
        case webhook
        /// A Slack incoming webhook: `{"text": ...}`.
        case slack
        /// healthchecks.io-style pings: URL/start, URL, URL/fail.
        case healthchecks
        /// A plain-text mail over SMTP.
        case email
    }

    public var name: String
    public var kind: Kind
    /// For webhook, slack and healthchecks: http:// or https://. Its path and query are
    /// treated as secret (they usually hold the token).
    public var url: String?
    public var events: Set<NotificationEvent>
    public var smtpHost: String?
    /// 465 means TLS from the first byte; any other port upgrades with STARTTLS when the
    /// server offers it (and must, when a password is to be sent).
    public var smtpPort: Int
    public var from: String?
    public var to: [String]
    /// The AUTH user; `from` when not given.
    public var user: String?
    /// The SMTP password, first line of the file; read at each send, never kept.
    public var passwordFile: String?
    /// Seconds without progress before one attempt gives up.
    public var timeout: Double

    public static let defaultTimeout: Double = 10
    public static let defaultSMTPPort = 587

    /// `events` nil: the kind's default (`defaultEvents(for:)`).
    public init(name: String, kind: Kind, url: String? = nil, events: Set<NotificationEvent>? = nil,
                smtpHost: String? = nil, smtpPort: Int = NotifierConfig.defaultSMTPPort, from: String? = nil, to: [String] = [],
                user: String? = nil, passwordFile: String? = nil, timeout: Double = NotifierConfig.defaultTimeout) {
        self.name = name
        self.kind = kind
        self.url = url
        self.events = events ?? Self.defaultEvents(for: kind)
        self.smtpHost = smtpHost
        self.smtpPort = smtpPort
        self.from = from
        self.to = to
        self.user = user
        self.passwordFile = passwordFile
        self.timeout = timeout
    }

    /// A monitor such as healthchecks.io wants every run (a missed ping is its alarm);
    /// people want the runs that need them.
    public static func defaultEvents(for kind: Kind) -> Set<NotificationEvent> {
        kind == .healthchecks ? Set(NotificationEvent.allCases) : NotificationEvent.problems
    }

    /// Host and port of `smtp = "host[:port]"` (`[v6]:port` for an IPv6 address); the port
    /// defaults to 587. Nil when unreadable.
    public static func smtpServer(_ text: String) -> (host: String, port: Int)? {
        let hasPort = text.hasPrefix("[") ? text.contains("]:") : text.contains(":")
        guard let endpoint = HTTPEndpoint(secure: false, authority: hasPort ? text : "\(text):\(defaultSMTPPort)") else { return nil }
        return (endpoint.host, endpoint.port)
    }

    /// How messages name the notifier: "notification ops (webhook)". Never the URL.
    var label: String { "notification \(name) (\(kind.rawValue))" }

    /// The user AUTH names.
    var smtpUser: String? { user ?? from }

    /// What is wrong with `config` as the decoder filled it in (a missing or misplaced
    /// field, a bad URL, an address that is not one), or nil. The message never quotes
    /// the URL: its path is a secret.
    public static func validate(_ config: NotifierConfig) -> String? {
        let prefix = "notify.\(config.name)"
        if config.events.isEmpty { return "\(prefix): `on` names no event" }
        guard config.timeout > 0 && config.timeout <= 300 else { return "\(prefix): timeout must be between 0 and 300 seconds" }
        switch config.kind {
        case .webhook, .slack, .healthchecks:
            guard let url = config.url else { return "\(prefix): type \(config.kind.rawValue) needs a url" }
            guard NotifierURL(url) != nil else {
                return "\(prefix): url must be an http:// or https:// URL with a host, no user:password@ and no spaces"
            }
            let mailFields = [("smtp", config.smtpHost != nil), ("from", config.from != nil), ("to", !config.to.isEmpty),
                              ("user", config.user != nil), ("password-file", config.passwordFile != nil)]
            if let field = mailFields.first(where: \.1)?.0 { return "\(prefix): \(field) is for type email only" }
        case .email:
            if config.url != nil { return "\(prefix): type email takes smtp, not url" }
            guard let host = config.smtpHost, !host.isEmpty else { return "\(prefix): type email needs smtp = \"host:port\"" }
            guard (1...65535).contains(config.smtpPort) else { return "\(prefix): smtp port must be 1 to 65535" }
            guard let from = config.from else { return "\(prefix): type email needs from" }
            guard !config.to.isEmpty else { return "\(prefix): type email needs to = [\"address\", ...]" }
            for address in [from] + config.to where !MailAddress.isPlausible(address) {
                return "\(prefix): \(address.debugDescription) is not a mail address"
            }
            if config.user != nil && config.passwordFile == nil { return "\(prefix): user needs password-file" }
            if let user = config.smtpUser, user.contains(where: \.isNewline) { return "\(prefix): user holds a line break" }
        }
        return nil
    }
}
