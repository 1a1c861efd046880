/// Why an HTTP exchange produced no answer. Every case is a transport failure, so a
/// caller may try again; what the server answered (any status) is not an error here.
public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host name did not resolve.
    case unresolvable(host: String, reason: String)
    /// No connection could be made (refused, unreachable, ...).
    case connectFailed(host: String, errno: Int32)
    /// No progress for the timeout: connecting, sending or waiting for the answer.
    case timedOut(host: String, during: String)
    /// The peer closed or reset the connection before the answer was complete.
    case connectionLost(host: String, during: String)
    /// The TLS handshake failed, e.g. the certificate is not trusted or names another host.
    case tls(host: String, reason: String)
    /// The answer is not HTTP/1.x as we can read it.
    case malformed(host: String, reason: String)

    public var description: String {
        switch self {
        case .unresolvable(let host, let reason): "cannot resolve \(host): \(reason)"
        case .connectFailed(let host, let code): "cannot connect to \(host): \(Errno.message(code))"
        case .timedOut(let host, let during): "\(host) did not answer in time (\(during))"
        case .connectionLost(let host, let during): "connection to \(host) lost \(during)"
        case .tls(let host, let reason): "TLS with \(host) failed: \(reason)"
        case .malformed(let host, let reason): "unreadable answer from \(host): \(reason)"
        }
    }

    /// How a kept-alive connection that the server closed meanwhile shows itself.
    var isClosedIdleConnection: Bool {
        if case .connectionLost = self { return true }
        return false
    }

    /// A certificate the system does not trust will not become trusted by retrying. A name
    /// that does not resolve may well: resolvers fail during the same outages as the
    /// network, so that is retried like a refused connection (and its message says which
    /// name, should it never resolve).
    public var isPermanent: Bool {
        if case .tls = self { return true }
        return false
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Posix
