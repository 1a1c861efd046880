#if canImport(Glibc)
import Glibc
#endif

/// A program started with pipes on its standard input, output and error, in a process
/// group of its own: a Ctrl-C at the terminal reaches `repo`, which stops at a safe point
/// and still needs the child (an `ssh` carrying the repository's connection) to release
/// its lock, instead of killing the child first.
///
/// The caller owns the three descriptors (close-on-exec, so no later child inherits them)
/// and reaps the process with `wait()`. SIGPIPE is ignored in this process once one is
/// started: a child that died must show as EPIPE on a write, not kill `repo`.
public final class PipedProcess: Sendable {
    public let pid: pid_t
    /// Our end of the child's standard input.
    public let input: FileDescriptor
    /// Our end of the child's standard output.
    public let output: FileDescriptor
    /// Our end of the child's standard error.
    public let errors: FileDescriptor

    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN); return () }()

    /// Starts `arguments[0]`, looked up on this process's PATH, with exactly `environment`.
    public init(_ arguments: [String], environment: [String: String]) throws(Errno) {
        _ = Self.ignoreBrokenPipes
        let stdin = try Self.pipe(), stdout = try Self.pipe(), stderr = try Self.pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies the child keeps.
        posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.write, 2)
        let pid: pid_t
        do throws(Errno) {
            pid = try ProcessSpawn.start(arguments, environment: environment, actions: &actions, ownProcessGroup: true)
        } catch {
            for fd in [stdin.read, stdout.write, stderr.write, stdin.write, stdout.read, stderr.read] { close(fd) }
            throw error
        }
        for fd in [stdin.read, stdout.write, stderr.write] { close(fd) }
        self.pid = pid
        input = FileDescriptor(rawValue: stdin.write)
        output = FileDescriptor(rawValue: stdout.read)
        errors = FileDescriptor(rawValue: stderr.read)
    }

    /// Sends `signal` to the child and whatever it started in its process group.
    public func kill(_ signal: Int32 = SIGTERM) {
        _ = Glibc.kill(-pid, signal)
    }

    /// Waits for the child to end: its exit status, or 128 + the signal that killed it.
    public func wait() -> Int32 {
        (try? ProcessSpawn.wait(pid)) ?? -1
    }

    /// A pipe whose both ends are close-on-exec (set at once after: Swift's Glibc lacks pipe2).
    private static func pipe() throws(Errno) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw Errno(errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }
}
