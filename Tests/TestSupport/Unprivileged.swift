import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs code with the file-system permissions of an unprivileged user, so that a test of
/// "Permission denied" checks something whoever runs it: CI runs as root, whom no mode
/// stops.
///
/// As root: those of `nobody`, on the calling thread only. `setfsuid` is per thread and,
/// moving away from uid 0, drops the capabilities that bypass permission checks; going back
/// to 0 restores them. As any other user: its own, already unprivileged.
public enum Unprivileged {
    public static let nobody: UInt32 = 65_534

    private typealias SetFilesystemUID = @convention(c) (UInt32) -> Int32

    public static func run<Result>(_ body: () throws -> Result) rethrows -> Result {
        guard geteuid() == 0 else { return try body() }
        // glibc has had setfsuid since Linux 1.2; without it the tests could not run as root.
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "setfsuid") else { fatalError("no setfsuid in the C library") }
        let setfsuid = unsafeBitCast(symbol, to: SetFilesystemUID.self)
        _ = setfsuid(nobody)
        // setfsuid answers the previous value whatever happened: an invalid id asks without changing.
        precondition(setfsuid(UInt32.max) == Int32(nobody), "setfsuid(nobody) did not take")
        defer { _ = setfsuid(0) }
        return try body()
    }
}
