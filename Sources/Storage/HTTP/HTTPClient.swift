import Foundation

/// A small HTTP/1.1 client on POSIX sockets and OpenSSL: synchronous (the caller's thread
/// does the work), thread-safe, with kept-alive connections pooled per endpoint.
///
/// Written for the object-store backends instead of FoundationNetworking's URLSession,
/// which on Linux crashes when a connection is cut before an answer's body, and waits out
/// its whole timeout on a PUT dropped on a reused connection. Here every transport failure
/// is a typed `HTTPError`; statuses are the caller's to judge.
// @unchecked: idle connections (OpenSSL streams, not Sendable) are handed between threads
// under the lock, which a Mutex would not let out of its closure.
public final class HTTPClient: @unchecked Sendable {
    /// Seconds without progress (connect, send, or wait for bytes) before giving up.
    public let timeout: Double
    /// Connections open at once (requests in flight); as many are kept idle for reuse.
    public let maxConnections: Int
    /// A PEM file of certificates to trust besides the system's.
    public let trustedCertificates: String?
    /// The bandwidth limits its connections are held to (nil: none).
    public let bandwidth: BandwidthLimits?

    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var idle: [HTTPEndpoint: [HTTPConnection]] = [:]
    private var tlsContext: TLSContext?

    public init(timeout: Double, maxConnections: Int, trustedCertificates: String? = nil, bandwidth: BandwidthLimits? = nil) {
        self.timeout = timeout
        self.bandwidth = bandwidth
        self.trustedCertificates = trustedCertificates
        self.maxConnections = max(1, maxConnections)
        slots = DispatchSemaphore(value: self.maxConnections)
    }

    /// Sends `request` and reads the whole answer. A kept-alive connection that the server
    /// closed meanwhile is replaced once, silently, for requests that may be repeated.
    public func send(_ request: HTTPRequest, to endpoint: HTTPEndpoint) throws(HTTPError) -> HTTPResponse {
        slots.wait()
        defer { slots.signal() }
        if let connection = takeIdle(endpoint) {
            do {
                return try exchange(request, on: connection)
            } catch where error.isClosedIdleConnection && !connection.receivedAnswer && request.isIdempotent {
                // Fall through to a fresh connection. (A timeout is not this case: that
                // server is slow, and the caller's retry policy decides.)
            }
        }
        return try exchange(request, on: HTTPConnection(endpoint: endpoint, timeout: timeout, tls: try tls(for: endpoint), bandwidth: bandwidth))
    }

    private func exchange(_ request: HTTPRequest, on connection: HTTPConnection) throws(HTTPError) -> HTTPResponse {
        do {
            let response = try connection.exchange(request)
            if connection.isReusable { putIdle(connection) } else { connection.close() }
            return response
        } catch {
            connection.close()
            throw error
        }
    }

    private func takeIdle(_ endpoint: HTTPEndpoint) -> HTTPConnection? {
        lock.lock()
        defer { lock.unlock() }
        while let connection = idle[endpoint]?.popLast() {
            if !connection.isStale { return connection }
            connection.close()
        }
        return nil
    }

    private func putIdle(_ connection: HTTPConnection) {
        lock.lock()
        defer { lock.unlock() }
        var list = idle[connection.endpoint, default: []]
        guard list.count < maxConnections else {
            connection.close()
            return
        }
        list.append(connection)
        idle[connection.endpoint] = list
    }

    private func tls(for endpoint: HTTPEndpoint) throws(HTTPError) -> TLSContext? {
        guard endpoint.secure else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if let tlsContext { return tlsContext }
        let context = try TLSContext(trustedCertificates: trustedCertificates)
        tlsContext = context
        return context
    }

    /// Closes the idle connections (those in use close when their request ends).
    public func closeIdleConnections() {
        lock.lock()
        let all = idle.values.joined()
        idle = [:]
        lock.unlock()
        for connection in all { connection.close() }
    }

    deinit { closeIdleConnections() }
}
