/// A connected, ordered byte stream: plain TCP or TLS over it.
///
/// Blocking, with the idle timeout enforced by the socket (SO_RCVTIMEO/SO_SNDTIMEO), so a
/// stalled peer surfaces as `HTTPError.timedOut` instead of a thread that waits forever.
package protocol ByteStream: AnyObject {
    /// Reads what is available, up to `buffer.count` bytes; 0 means the peer closed.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPError) -> Int
    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(HTTPError)
    /// True when the peer has closed, or sent bytes nobody asked for: an idle connection
    /// in that state must not carry another request.
    var isStale: Bool { get }
    /// Bytes sent and received on the wire so far (TLS: records and handshake included),
    /// which bandwidth limits count.
    var wireTotals: WireTotals { get }
    func close()
}

/// Bytes a connection has put on and taken off the wire.
package struct WireTotals: Sendable, Equatable {
    package var sent: UInt64 = 0
    package var received: UInt64 = 0

    package init(sent: UInt64 = 0, received: UInt64 = 0) {
        self.sent = sent
        self.received = received
    }
}
