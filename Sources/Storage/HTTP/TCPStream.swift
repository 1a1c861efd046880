#if canImport(Glibc)
import Glibc
#endif
import Posix

/// A TCP connection on a blocking socket whose reads and writes give up after `timeout`
/// seconds without progress.
package final class TCPStream: ByteStream {
    package let descriptor: Int32
    private let host: String
    private var closed = false
    package private(set) var wireTotals = WireTotals()

    /// Resolves `host` and connects to the first address that answers within `timeout`.
    package init(host: String, port: Int, timeout: Double) throws(HTTPError) {
        self.host = host
        descriptor = try Self.open(host: host, port: port, timeout: timeout)
    }

    private static func open(host: String, port: Int, timeout: Double) throws(HTTPError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            if resolved == EAI_AGAIN { throw .timedOut(host: host, during: "resolving the name") }
            throw .unresolvable(host: host, reason: String(cString: gai_strerror(resolved)))
        }
        defer { freeaddrinfo(list) }

        var lastError: HTTPError = .connectFailed(host: host, errno: ECONNREFUSED)
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            do throws(HTTPError) {
                let fd = try connect(address.pointee, host: host, timeout: timeout)
                configure(fd, timeout: timeout)
                return fd
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    deinit { close() }

    /// A non-blocking connect bounded by poll, then back to blocking for the exchange.
    private static func connect(_ address: addrinfo, host: String, timeout: Double) throws(HTTPError) -> Int32 {
        let fd = socket(address.ai_family, address.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), address.ai_protocol)
        guard fd >= 0 else { throw .connectFailed(host: host, errno: errno) }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                let code = errno
                Glibc.close(fd)
                throw .connectFailed(host: host, errno: code)
            }
            var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&waiting, 1, Int32(timeout * 1000))
            guard ready > 0 else {
                Glibc.close(fd)
                throw .timedOut(host: host, during: "connecting")
            }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
            guard failure == 0 else {
                Glibc.close(fd)
                throw .connectFailed(host: host, errno: failure)
            }
        }
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        return fd
    }

    private static func configure(_ fd: Int32, timeout: Double) {
        var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        // Head and body leave in separate writes; Nagle would hold the body back for an ACK.
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPError) -> Int {
        do throws(Errno) {
            let count = try retryingOnInterrupt { recv(descriptor, buffer.baseAddress, buffer.count, 0) }
            wireTotals.received += UInt64(count)
            return count
        } catch {
            throw failure(error, waiting: "waiting for the answer", doing: "while reading")
        }
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) {
        var offset = 0
        while offset < bytes.count {
            do throws(Errno) {
                // MSG_NOSIGNAL: a peer that went away is an error to return, not a SIGPIPE.
                let count = try retryingOnInterrupt {
                    send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                }
                offset += count
                wireTotals.sent += UInt64(count)
            } catch {
                throw failure(error, waiting: "sending the request", doing: "while sending")
            }
        }
    }

    /// A receive or send timeout (SO_RCVTIMEO, SO_SNDTIMEO) as `.timedOut`, anything else
    /// as a lost connection.
    private func failure(_ error: Errno, waiting: String, doing: String) -> HTTPError {
        switch error.code {
        case EAGAIN, EWOULDBLOCK: .timedOut(host: host, during: waiting)
        default: .connectionLost(host: host, during: "\(doing) (\(error))")
        }
    }

    package var isStale: Bool {
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        // Readable while idle: either end-of-stream or bytes no request asked for.
        return poll(&waiting, 1, 0) != 0
    }

    package func close() {
        guard !closed else { return }
        closed = true
        try? FileDescriptor(rawValue: descriptor).close()
    }
}
