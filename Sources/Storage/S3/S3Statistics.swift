import Foundation

/// What the S3 backend sent and received, by request type.
public struct S3Statistics: Sendable, Equatable {
    /// Requests by type: GET, PUT, HEAD, DELETE, LIST, POST.
    public var requests: [String: Int] = [:]
    public var bytesSent = 0
    public var bytesReceived = 0
    public var retries = 0

    public var summary: String {
        let counts = requests.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return "\(counts.isEmpty ? "no requests" : counts); \(bytesSent) bytes sent, \(bytesReceived) received, \(retries) retries"
    }
}

/// Counters shared by concurrent requests.
final class S3Counters: @unchecked Sendable {
    private let lock = NSLock()
    private var value = S3Statistics()

    func record(_ type: String, sent: Int, received: Int) {
        lock.withLock {
            value.requests[type, default: 0] += 1
            value.bytesSent += sent
            value.bytesReceived += received
        }
    }

    func retried() { lock.withLock { value.retries += 1 } }

    var snapshot: S3Statistics { lock.withLock { value } }
}
