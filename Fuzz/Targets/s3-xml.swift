// Fuzz target `s3-xml`: an S3 answer's XML body (list pages, multipart replies, errors)
// through every reader of S3XML (S3XMLLeafReader). Bound: one pass, no DTD and so no
// entity expansion; the leaves collected hold text of the input only.
@testable import Storage

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let page = S3XML.listPage(bytes)
    // A listed size is what reads are ranged by: never negative.
    precondition(page.objects.allSatisfy { $0.size >= 0 }, "a negative size listed")
    _ = S3XML.uploadsPage(bytes)
    _ = S3XML.first("Code", in: bytes)
    _ = S3XML.first("UploadId", in: bytes)
    return 0
}
