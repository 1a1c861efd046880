#if canImport(Glibc)
import Glibc
#endif

/// Runs a program with standard input /dev/null, standard output and error appended to a
/// log file, and no other descriptor of this process: for `pg_ctl start`, whose server
/// keeps whatever it inherited; a pipe of ours held by it would never see its end, and
/// descriptors left open by other spawns (Foundation's are not all close-on-exec) with it.
public enum LoggedSpawn {
    /// Runs `arguments` (the first looked up on this process's PATH) with exactly
    /// `environment` to its end: its exit status, or 128 + the signal that killed it.
    public static func run(_ arguments: [String], environment: [String: String], log: String) throws(Errno) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if let closeFrom {
            _ = closeFrom(&actions, 3)
        } else {
            for fd in openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        let pid = try ProcessSpawn.start(arguments, environment: environment, actions: &actions, ownProcessGroup: false)
        return try ProcessSpawn.wait(pid)
    }

    /// This process's open descriptors (for a C library without closefrom).
    private static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var descriptors: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = Int32(name), fd != dirfd(directory) { descriptors.append(fd) }
        }
        return descriptors
    }

    /// glibc 2.34's posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module
    /// does not declare.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: CloseFrom.self) }
}
