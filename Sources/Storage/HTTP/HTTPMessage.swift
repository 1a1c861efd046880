import Foundation

/// Where requests go: scheme, host and port, parsed from an authority such as
/// `s3.eu-west-1.amazonaws.com`, `127.0.0.1:9000` or `[::1]:9000`.
public struct HTTPEndpoint: Hashable, Sendable {
    public let secure: Bool
    /// The host to resolve, name the server (SNI) and check the certificate against.
    public let host: String
    public let port: Int
    /// The authority as given, sent as the Host header (and signed as such by SigV4).
    public let authority: String

    public init?(secure: Bool, authority: String) {
        self.secure = secure
        self.authority = authority
        var host = Substring(authority)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty else { return nil }
        self.host = String(host)
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { return nil }
            self.port = port
        } else {
            port = secure ? 443 : 80
        }
    }
}

/// One request. `target` is the path and query, already percent-encoded; `headers` are
/// sent as given, after Host; Content-Length is added for any body (and for PUT and POST).
public struct HTTPRequest {
    public var method: String
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: Data?

    public init(method: String, target: String, headers: [(name: String, value: String)] = [], body: Data? = nil) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// May go out again on a fresh connection when a kept-alive one turned out closed.
    /// POST starts or completes multipart uploads: the retry loop above decides on those.
    var isIdempotent: Bool { method != "POST" }
}

public struct HTTPResponse {
    public let status: Int
    /// Names in lower case; repeated fields joined with ", ".
    public let headers: [String: String]
    public let body: [UInt8]
}
