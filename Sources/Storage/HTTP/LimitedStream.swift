/// A byte stream held to the process's bandwidth limits: what the stream underneath puts on
/// the wire (for TLS: records, their framing and the handshake) is taken from the upload
/// limiter, what it takes off the wire from the download limiter.
///
/// Writes go out in slices of `slice` bytes, each paid before it is sent; reads ask for at
/// most a slice and pay after, so the TCP window holds the sender back while a reader sleeps.
final class LimitedStream: ByteStream {
    private let inner: ByteStream
    private let limits: BandwidthLimits
    /// The wire totals already paid for.
    private var paid: WireTotals

    static let slice = 16 << 10

    /// `paid` zero: the first read or write pays for the handshake too.
    init(_ inner: ByteStream, limits: BandwidthLimits) {
        self.inner = inner
        self.limits = limits
        paid = WireTotals()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPError) -> Int {
        let count = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(Self.slice)))
        payOverhead()
        return count
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) {
        var offset = 0
        while offset < bytes.count {
            let piece = UnsafeRawBufferPointer(rebasing: bytes[offset..<min(bytes.count, offset + Self.slice)])
            limits.upload.take(piece.count)
            paid.sent += UInt64(piece.count)
            try inner.write(piece)
            payOverhead()
            offset += piece.count
        }
    }

    /// Pays for whatever crossed the wire beyond what was already paid (TLS framing and
    /// handshakes; everything read).
    private func payOverhead() {
        let wire = inner.wireTotals
        if wire.sent > paid.sent { limits.upload.take(Int(wire.sent - paid.sent)) }
        if wire.received > paid.received { limits.download.take(Int(wire.received - paid.received)) }
        paid = WireTotals(sent: max(paid.sent, wire.sent), received: max(paid.received, wire.received))
    }

    var wireTotals: WireTotals { inner.wireTotals }
    var isStale: Bool { inner.isStale }
    func close() { inner.close() }
}
