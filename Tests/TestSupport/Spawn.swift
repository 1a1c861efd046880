import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Starting the programs tests need (database server tools, moto, the `repo` binary under
// test) with posix_spawn rather than Foundation's Process: Process hands every child a
// socket it watches for the child's end, and a child that leaves a server running (pg_ctl)
// would pass it on, so the start would never seem to finish. Process also offers no own
// session or process group, and no closing of inherited descriptors.

/// Why a child process could not be started.
public struct SpawnError: Error, CustomStringConvertible {
    /// The program (the first argument).
    public let program: String
    /// What went wrong (strerror of posix_spawn's answer, say).
    public let reason: String
    public var description: String { "cannot start \(program): \(reason)" }
}

public enum Spawn {
    /// Which file to run.
    public enum Executable: Sendable {
        /// This path, as it is (no PATH search).
        case path(String)
        /// This name looked up on the test process's PATH (posix_spawnp), or itself when it
        /// holds a slash.
        case searchPath(String)
    }

    /// What the child gets on descriptor 0.
    public enum Input: Sendable {
        /// /dev/null, read-only.
        case null
        /// Nothing: descriptor 0 is not open at all.
        case closed
        /// This descriptor (the read end of a pipe, say).
        case descriptor(Int32)
    }

    /// Which process group and session the child runs in.
    public enum Grouping: Sendable {
        /// The test process's.
        case inherit
        /// A process group of its own (led by the child), so that a signal sent to the group
        /// reaches anything it started.
        case ownGroup
        /// A session of its own: no controlling terminal (a prompt on /dev/tty fails instead
        /// of hanging), and a process group of its own.
        case ownSession
    }

    /// Starts `arguments` (the whole argument vector, the program's name first) running
    /// `executable`, and returns its pid; reap it with `wait(_:)` or waitpid.
    ///
    /// - environment: exactly these variables, or the test process's own when nil.
    /// - output, errors: the descriptors the child gets as 1 and 2 (they may be the same).
    /// - closeOtherDescriptors: close every descriptor above 2 in the child, even those not
    ///   marked close-on-exec (a server left running must hold none of the test process's).
    ///
    /// Every signal starts with its default action and none is blocked: the test process may
    /// ignore some (SIGPIPE, at least), and ignored signals would otherwise stay ignored
    /// across exec (a server or `repo` must die of SIGPIPE and stop on SIGTERM as it would
    /// when a user started it).
    public static func start(_ executable: Executable, arguments: [String], environment: [String: String]? = nil,
                             input: Input = .null, output: Int32, errors: Int32, grouping: Grouping = .inherit,
                             closeOtherDescriptors: Bool = false) throws -> pid_t {
        let program = arguments.first ?? ""
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        switch input {
        case .null: posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .closed: posix_spawn_file_actions_addclose(&actions, 0)
        case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, errors, 2)
        if closeOtherDescriptors {
            guard let closeFrom else {
                throw SpawnError(program: program, reason: "this C library lacks posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later)")
            }
            _ = closeFrom(&actions, 3)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        switch grouping {
        case .inherit: break
        case .ownGroup:
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        case .ownSession: flags |= posixSpawnSetsid
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { environment in
            environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        func spawn(_ environmentVector: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
            switch executable {
            case .path(let path): posix_spawn(&pid, path, &actions, &attributes, argv, environmentVector)
            case .searchPath(let name): posix_spawnp(&pid, name, &actions, &attributes, argv, environmentVector)
            }
        }
        let code = envp.map { spawn($0) } ?? spawn(environ)
        guard code == 0 else { throw SpawnError(program: program, reason: String(cString: strerror(code))) }
        return pid
    }

    /// POSIX_SPAWN_SETSID (glibc 2.26 or later), which Swift's Glibc module does not declare.
    private static let posixSpawnSetsid: Int32 = 0x80

    /// glibc 2.34's posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module
    /// does not declare.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: CloseFrom.self) }

    /// Stops a server started with `.ownGroup` and reaps it: SIGTERM to its group, and
    /// SIGKILL if it has not exited within `grace` seconds.
    public static func stopGroup(_ pid: pid_t, grace: Double = 3) {
        _ = kill(-pid, SIGTERM)
        _ = kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(grace)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                _ = kill(-pid, SIGKILL)
                _ = kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(20_000)
        }
    }

    /// Waits for `pid` and returns its exit status (128 + signal when killed).
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return exitStatus(status)
    }

    /// The signal that killed a process, from waitpid's status; nil when it exited.
    public static func terminatingSignal(_ status: Int32) -> Int32? {
        let signal = status & 0x7f
        return signal != 0 && signal != 0x7f ? signal : nil
    }

    /// The exit status from waitpid's status, or 128 + the signal when the process was killed.
    public static func exitStatus(_ status: Int32) -> Int32 {
        terminatingSignal(status).map { 128 + $0 } ?? (status >> 8) & 0xff
    }
}
