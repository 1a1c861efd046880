// Fuzz target `http-response`: what a server sends back, read by HTTPConnection (status
// line, headers, 1xx, Content-Length, chunked framing and trailers, read to the close).
// Input: one byte choosing the request (bit 0: HEAD, else GET) and the read size (the
// other bits: 1 to 128 bytes a read), then the bytes the server sends; up to three
// answers are read from them while the connection stays reusable.
// Bound: the 64 KiB head buffer, plus a body allocation of at most
// HTTPConnection.bodyAllocationStep (1 MiB) beyond twice the bytes that arrived.
@testable import Storage

private let endpoint = HTTPEndpoint(secure: false, authority: "127.0.0.1:9")!

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let control = data[0]
    let answer = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let stream = MemoryByteStream(answer, readSize: Int(control >> 1) + 1)
    let connection = HTTPConnection(endpoint: endpoint, stream: stream)
    let request = HTTPRequest(method: control & 1 == 1 ? "HEAD" : "GET", target: "/")
    for _ in 0..<3 {
        guard let response = try? connection.exchange(request) else { break }
        precondition((100...999).contains(response.status), "status out of range")
        precondition(response.body.count <= answer.count, "a body longer than what was sent")
        guard connection.isReusable else { break }
    }
    return 0
}
