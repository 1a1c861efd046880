/// What can go wrong while chunking.
public enum ChunkerError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidParameters(String)
    case invalidGearTable(String)
    /// `read(2)` failed with this errno.
    case readFailed(errno: Int32)

    public var description: String {
        switch self {
        case .invalidParameters(let why): return "invalid chunker parameters: \(why)"
        case .invalidGearTable(let why): return "invalid gear table: \(why)"
        case .readFailed(let code): return "read failed: \(String(cString: strerror(code)))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
