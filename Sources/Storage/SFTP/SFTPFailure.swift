/// Why an SFTP request got no usable answer: the server's refusal (a status), or the
/// connection's trouble, which decides whether the backend reconnects and tries again.
enum SFTPFailure: Error, Equatable {
    /// The server answered the request with an error status.
    case status(code: UInt32, message: String)
    /// The connection broke (ssh exited, the pipe ended) after it was set up, or could not
    /// be set up for a reason that may pass (the network, the server being down): worth
    /// another try on a new connection.
    case lost(String)
    /// ssh refused to connect for a reason no retry changes (the host key, authentication,
    /// no sftp subsystem): the one line says what to do.
    case refused(String)
    /// The server sent something that is not SFTP version 3.
    case malformed(String)
    /// The request's outcome is known and final (an object not found): thrown as it is.
    case settled(BackendError)

    var isRetryable: Bool {
        if case .lost = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .status(let code, let message):
            let text = message.isEmpty ? "status \(code)" : message
            return "\(text) (SFTP status \(code))"
        case .lost(let reason), .refused(let reason), .malformed(let reason): return reason
        case .settled(let error): return error.description
        }
    }

    /// What ssh's end before the VERSION answer means, from its exit status and the last
    /// lines of its standard error. `host` names the server in the messages.
    static func sshEnded(status: Int32, stderr: String, host: String) -> SFTPFailure {
        let lastLine = stderr.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        if stderr.contains("host key is known for") && !stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            return .refused("the host key of \(host) is not known, and repo never asks: check it and accept it once with "
                            + "plain `ssh \(host)` (or add it to ~/.ssh/known_hosts), then run again")
        }
        if stderr.contains("Host key verification failed") || stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            return .refused("the host key of \(host) does not match the one known_hosts holds: check the new key with the "
                            + "server's administrator before trusting it, then replace the old one (ssh-keygen -R HOST)")
        }
        if stderr.contains("Permission denied") || stderr.contains("Too many authentication failures") {
            return .refused("\(host) refused authentication (\(lastLine)): add the key to the agent or ~/.ssh/config "
                            + "(IdentityFile), or give --sftp-command \"ssh -i KEY ... -s sftp\"; repo never asks for a password")
        }
        if stderr.contains("subsystem request failed") {
            return .refused("\(host) has no sftp subsystem: enable it in sshd_config (Subsystem sftp internal-sftp)")
        }
        let detail = lastLine.isEmpty ? "ssh exited with status \(status)" : lastLine
        // 255 is ssh's own failure (connection refused, timed out, name not resolved): may pass.
        if status == 255 || status > 128 { return .lost("cannot connect to \(host): \(detail)") }
        return .refused("the SFTP command for \(host) ended before the server answered: \(detail)")
    }
}
