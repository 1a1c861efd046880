import Foundation
@testable import Storage
import Testing

/// What an answer's framing claims is not allocated before the bytes arrive: a server that
/// declares a 16 GiB body (the largest accepted) and sends ten bytes costs next to nothing.
/// Found by the `http-response` fuzz target (`-malloc_limit_mb=512`).
struct HTTPResponseBoundsTests {
    /// The process's virtual size in bytes (/proc/self/statm): a large allocation maps its
    /// size at once, whether or not its pages are touched.
    private func virtualSize() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        return (statm.split(separator: " ").first.flatMap { Int($0) } ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// How much the process's virtual size grew, at most, over the reads while `head` and a
    /// few body bytes are answered to a GET, and the error it ends with.
    private func largestMapped(answering head: String) -> (bytes: Int, error: HTTPError?) {
        let stream = MemoryByteStream(Array((head + "0123456789").utf8), readSize: 16)
        let before = virtualSize()
        var largest = 0
        stream.beforeRead = { largest = max(largest, self.virtualSize() - before) }
        let connection = HTTPConnection(endpoint: HTTPEndpoint(secure: false, authority: "127.0.0.1:9")!, stream: stream)
        do {
            _ = try connection.exchange(HTTPRequest(method: "GET", target: "/"))
            return (largest, nil)
        } catch {
            return (largest, error)
        }
    }

    @Test func declaredContentLengthIsNotAllocatedUpFront() {
        let (bytes, error) = largestMapped(answering: "HTTP/1.1 200 OK\r\nContent-Length: 17179869184\r\n\r\n")
        #expect(bytes < 4 << 30)
        guard case .connectionLost? = error else { Issue.record("expected the connection lost mid-answer, got \(String(describing: error))"); return }
    }

    @Test func declaredChunkSizeIsNotAllocatedUpFront() {
        let (bytes, error) = largestMapped(answering: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400000000\r\n")
        #expect(bytes < 4 << 30)
        guard case .connectionLost? = error else { Issue.record("expected the connection lost mid-answer, got \(String(describing: error))"); return }
    }

    @Test func bodiesLargerThanOneStepStillArriveWhole() throws {
        let body = (0..<(HTTPConnection.bodyAllocationStep + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let head = Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        let stream = MemoryByteStream(head + body, readSize: 65_536)
        let connection = HTTPConnection(endpoint: HTTPEndpoint(secure: false, authority: "127.0.0.1:9")!, stream: stream)
        let response = try connection.exchange(HTTPRequest(method: "GET", target: "/"))
        #expect(response.status == 200)
        #expect(response.body == body)
    }
}
