/// Where an SFTP repository lives, parsed from restic's forms:
/// - `sftp:[USER@]HOST:PATH` (PATH relative to the login directory unless it starts with `/`);
/// - `sftp://[USER@]HOST[:PORT]/PATH`: as restic reads it, PATH is relative to the login
///   directory, and an absolute one takes a second slash (`sftp://HOST:2222//srv/repo`).
/// A host in brackets (`[::1]`) may hold colons.
struct SFTPLocation: Sendable, Equatable {
    var user: String?
    var host: String
    var port: Int?
    /// The repository directory on the server, without a trailing `/` (`.` for the login directory).
    var path: String

    static func isSFTP(_ text: String) -> Bool { text.hasPrefix("sftp:") }

    init(parsing text: String) throws(BackendError) {
        func invalid(_ why: String) -> BackendError {
            .service("cannot read SFTP location \(text.debugDescription): \(why) (sftp:USER@HOST:/PATH or sftp://USER@HOST:PORT/PATH)")
        }
        guard Self.isSFTP(text) else { throw invalid("unknown form") }
        var rest = text.dropFirst(5)
        let authority: Substring
        var rawPath: Substring
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = rest[..<slash]
            rawPath = rest[slash...]
            rawPath = rawPath.dropFirst()
        } else {
            // The first colon outside brackets ends the host.
            var depth = 0
            guard let colon = rest.firstIndex(where: { character in
                if character == "[" { depth += 1 } else if character == "]" { depth -= 1 }
                return character == ":" && depth == 0
            }) else { throw invalid("no `:` between the host and the path") }
            authority = rest[..<colon]
            rawPath = rest[rest.index(after: colon)...]
        }
        var hostPart = authority
        if let at = authority.lastIndex(of: "@") {
            user = String(authority[..<at])
            hostPart = authority[authority.index(after: at)...]
            guard !(user ?? "").isEmpty else { throw invalid("empty user name") }
        }
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw invalid("no `]` after the host") }
            host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
            hostPart = hostPart[hostPart.index(after: close)...]
        } else {
            let colon = hostPart.firstIndex(of: ":") ?? hostPart.endIndex
            host = String(hostPart[..<colon])
            hostPart = hostPart[colon...]
        }
        if !hostPart.isEmpty {
            guard text.hasPrefix("sftp://"), hostPart.hasPrefix(":"), let port = Int(hostPart.dropFirst()), (1...65535).contains(port) else {
                throw invalid("bad port \(String(hostPart.dropFirst()).debugDescription)")
            }
            self.port = port
        }
        guard !host.isEmpty, !host.hasPrefix("-") else { throw invalid("bad host name \(host.debugDescription)") }
        if let user, user.hasPrefix("-") { throw invalid("bad user name \(user.debugDescription)") }
        if rawPath.hasPrefix("~/") { rawPath = rawPath.dropFirst(2) } else if rawPath == "~" { rawPath = "" }
        // Without empty components: `/srv//repo/` names `/srv/repo`, as messages show it.
        let components = rawPath.split(separator: "/")
        path = rawPath.hasPrefix("/") ? "/" + components.joined(separator: "/") : components.isEmpty ? "." : components.joined(separator: "/")
    }

    /// `user@host` (or the host alone), as ssh and messages name it.
    var destination: String { (user.map { "\($0)@" } ?? "") + host }

    /// The location in the `sftp://` form, for messages.
    var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        let authority = (user.map { "\($0)@" } ?? "") + hostText + (port.map { ":\($0)" } ?? "")
        return "sftp://\(authority)/\(path == "." ? "" : path)"
    }

    /// `path/relative`: a file or directory of the repository on the server.
    func remote(_ relative: String) -> String {
        if relative == "." || relative.isEmpty { return path }
        if path == "." { return relative }
        return path == "/" ? "/\(relative)" : "\(path)/\(relative)"
    }

    /// The default command: the system's ssh, never prompting (BatchMode), giving up a host
    /// that does not answer after 30 s and a dead network within a minute (keepalives),
    /// with the sftp subsystem.
    func sshCommand() -> [String] {
        var command = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=30", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"]
        if let port { command += ["-p", String(port)] }
        if let user { command += ["-l", user] }
        return command + [host, "-s", "sftp"]
    }
}
