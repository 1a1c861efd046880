#if canImport(Glibc)
import Glibc
#endif

/// Calls `body` with `bytes` as a NUL-terminated C string, on the stack when they are short.
/// Bytes containing NUL fail with EINVAL, as the kernel would fail them if it could see them:
/// passed on, the string would end at the NUL and name a different, shorter path.
@discardableResult
public func withNULTerminated<Result>(
    _ bytes: [UInt8], _ body: (UnsafePointer<CChar>) throws(Errno) -> Result
) throws(Errno) -> Result {
    guard !bytes.contains(0) else { throw Errno(EINVAL) }
    return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) {
        (buffer) throws(Errno) -> Result in
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
        }
        buffer[bytes.count] = 0
        return try body(UnsafePointer(buffer.baseAddress!))
    }
}
