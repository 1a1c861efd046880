#if canImport(Glibc)
import Glibc
#endif

/// The one way this package starts a program (`PipedProcess`, `LoggedSpawn`): posix_spawnp
/// with the caller's file actions, the signals a shell gives a child (SIGPIPE back to its
/// default, nothing blocked), optionally in a process group of its own, and the one way one
/// is waited for.
enum ProcessSpawn {
    /// Starts `arguments[0]`, looked up on this process's PATH, with exactly `environment`.
    static func start(_ arguments: [String], environment: [String: String],
                      actions: inout posix_spawn_file_actions_t, ownProcessGroup: Bool) throws(Errno) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), none = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)  // perhaps ignored here, but the child must die of it as usual
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let code = posix_spawnp(&pid, arguments.first ?? "", &actions, &attributes, argv, envp)
        guard code == 0 else { throw Errno(code) }
        return pid
    }

    /// Waits for `pid` to end: its exit status, or 128 + the signal that killed it.
    static func wait(_ pid: pid_t) throws(Errno) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw Errno(errno) }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
