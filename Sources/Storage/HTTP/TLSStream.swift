import CLibSSL
#if canImport(Glibc)
import Glibc
#endif
import Posix

/// The TLS settings shared by every connection of a client: the system's trusted
/// certificates (OpenSSL honours SSL_CERT_FILE and SSL_CERT_DIR) plus, if given, those in
/// `trustedCertificates` (a PEM file, for a store with a private CA); peer verification
/// always on; TLS 1.2 at least.
package final class TLSContext: @unchecked Sendable {
    // SSL_CTX is safe to share between threads once configured; only SSL_new reads it.
    fileprivate let context: OpaquePointer

    package init(trustedCertificates: String? = nil) throws(HTTPError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .tls(host: "-", reason: "cannot create a TLS context: \(TLSContext.lastError())")
        }
        self.context = context
        _ = repo_ssl_ctx_require_tls12(context)
        _ = repo_ssl_ctx_set_modes(context)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        SSL_CTX_set_default_verify_paths(context)
        if let trustedCertificates, SSL_CTX_load_verify_locations(context, trustedCertificates, nil) != 1 {
            // Fully initialized: deinit frees the context.
            throw .tls(host: "-", reason: "cannot read certificates from \(trustedCertificates): \(TLSContext.lastError())")
        }
    }

    deinit { SSL_CTX_free(context) }

    /// The oldest error on this thread's OpenSSL queue, which is then cleared.
    static func lastError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "unknown error" }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// TLS over a TCP connection, the server's certificate checked against `host` (a name, or
/// an IP address, which certificates name differently).
package final class TLSStream: ByteStream {
    private let tcp: TCPStream
    private let ssl: OpaquePointer
    private let host: String

    package init(over tcp: TCPStream, host: String, context: TLSContext) throws(HTTPError) {
        self.tcp = tcp
        self.host = host
        guard let ssl = SSL_new(context.context) else {
            throw .tls(host: host, reason: TLSContext.lastError())
        }
        self.ssl = ssl
        SSL_set_fd(ssl, tcp.descriptor)
        let isAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        if isAddress {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        } else {
            _ = repo_ssl_set_server_name(ssl, host)
            SSL_set1_host(ssl, host)
        }
        ERR_clear_error()
        if SSL_connect(ssl) != 1 {
            let verification = SSL_get_verify_result(ssl)
            if verification != X509_V_OK {
                let reason = String(cString: X509_verify_cert_error_string(verification))
                ERR_clear_error()
                throw .tls(host: host, reason: "\(reason) (a private CA can be trusted with SSL_CERT_FILE)")
            }
            let code = SSL_get_error(ssl, -1)
            // A protocol failure (say, a plain-HTTP server) stays one; a dropped connection may not.
            if code == SSL_ERROR_SSL { throw .tls(host: host, reason: TLSContext.lastError()) }
            throw failure(code, during: "during the TLS handshake")
        }
    }

    deinit {
        SSL_free(ssl)
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPError) -> Int {
        ERR_clear_error()
        let count = SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if count > 0 { return Int(count) }
        let code = SSL_get_error(ssl, count)
        if code == SSL_ERROR_ZERO_RETURN { return 0 }
        throw failure(code, during: "while reading")
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let count = SSL_write(ssl, bytes.baseAddress! + offset, Int32(min(bytes.count - offset, 1 << 30)))
            guard count > 0 else { throw failure(SSL_get_error(ssl, count), during: "while sending") }
            offset += Int(count)
        }
    }

    package var isStale: Bool { tcp.isStale }

    /// OpenSSL talks to the socket itself: its socket BIOs count what crossed it.
    package var wireTotals: WireTotals {
        WireTotals(sent: SSL_get_wbio(ssl).map(BIO_number_written) ?? 0, received: SSL_get_rbio(ssl).map(BIO_number_read) ?? 0)
    }

    package func close() {
        // No close_notify: the connection is dropped either way, and waiting on a dead
        // peer would only add a timeout.
        tcp.close()
    }

    /// A blocking socket that reports WANT_READ/WANT_WRITE has hit its timeout.
    private func failure(_ code: Int32, during: String) -> HTTPError {
        let socketError = errno
        switch code {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .timedOut(host: host, during: during)
        case SSL_ERROR_SYSCALL where socketError == EAGAIN || socketError == EWOULDBLOCK:
            ERR_clear_error()
            return .timedOut(host: host, during: during)
        case SSL_ERROR_SYSCALL:
            ERR_clear_error()
            let reason = socketError == 0 ? "closed" : Errno.message(socketError)
            return .connectionLost(host: host, during: "\(during) (\(reason))")
        default:
            return .connectionLost(host: host, during: "\(during) (\(TLSContext.lastError()))")
        }
    }
}
