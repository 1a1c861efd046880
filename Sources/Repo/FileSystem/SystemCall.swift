#if canImport(Glibc)
import Glibc
#endif

/// The error number of a failed system call, before it is given the operation and path that
/// make a `FileSystemError`. Callers switch on `code` for the failures they expect (EEXIST,
/// ENOENT, ENOTSUP) and turn the rest into messages.
struct SystemCallError: Error, Equatable {
    let code: Int32

    init(_ code: Int32) {
        self.code = code
    }

    func error(_ operation: String, _ path: @autoclosure () -> String) -> FileSystemError {
        .system(operation: operation, path: path(), errno: code)
    }
}

/// Runs a system call that returns -1 and sets `errno` on failure, again while a signal
/// interrupts it (EINTR): a signal handler installed anywhere in the process must not turn
/// into a failed backup.
@discardableResult
@inline(__always)
func retryingInterrupts<Result: FixedWidthInteger>(_ call: () -> Result) throws(SystemCallError) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = errno
        if code != EINTR { throw SystemCallError(code) }
    }
}

/// Calls `body` with `bytes` as a NUL-terminated C string, on the stack when they are short.
/// Bytes containing NUL fail with EINVAL, as the kernel would fail them if it could see them:
/// passed on, the string would end at the NUL and name a different, shorter path.
@discardableResult
func withNULTerminated<Result>(
    _ bytes: [UInt8], _ body: (UnsafePointer<CChar>) throws(SystemCallError) -> Result
) throws(SystemCallError) -> Result {
    guard !bytes.contains(0) else { throw SystemCallError(EINVAL) }
    return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) {
        (buffer) throws(SystemCallError) -> Result in
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
        }
        buffer[bytes.count] = 0
        return try body(UnsafePointer(buffer.baseAddress!))
    }
}
