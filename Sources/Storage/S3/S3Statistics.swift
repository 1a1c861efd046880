import Foundation
import Synchronization

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
final class S3Counters: Sendable {
    private let value = Mutex(S3Statistics())

    func record(_ type: String, sent: Int, received: Int) {
        value.withLock { value in
            value.requests[type, default: 0] += 1
            value.bytesSent += sent
            value.bytesReceived += received
        }
    }

    func retried() { value.withLock { $0.retries += 1 } }

    var snapshot: S3Statistics { value.withLock { $0 } }
}
