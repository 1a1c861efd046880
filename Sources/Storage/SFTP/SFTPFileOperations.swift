/// The file operations the backend needs, on one connection: each a request (or a window
/// of requests in flight) and a check of the answer. Failures are `SFTPFailure`s; the
/// backend turns them into `BackendError`s and decides on retries.
extension SFTPConnection {
    /// Bytes per READ and WRITE: what every server accepts (OpenSSH's own client uses it).
    static let pieceSize = 32 << 10
    /// Pieces in flight at once for one object: 2 MiB, enough to fill a fast link's pipe.
    static let window = 64

    func open(_ path: String, _ flags: SFTPOpenFlags, permissions: UInt32? = nil) throws(SFTPFailure) -> [UInt8] {
        let answer = try request(.open) { packet in
            packet.append(path)
            packet.append(flags.rawValue)
            packet.append(SFTPAttributes(permissions: permissions))
        }
        guard case .handle(let handle) = answer else { throw Self.unexpected(answer, to: "OPEN") }
        return handle
    }

    func openDirectory(_ path: String) throws(SFTPFailure) -> [UInt8] {
        let answer = try request(.opendir) { $0.append(path) }
        guard case .handle(let handle) = answer else { throw Self.unexpected(answer, to: "OPENDIR") }
        return handle
    }

    func close(handle: [UInt8]) throws(SFTPFailure) {
        try Self.expectOK(try request(.close) { $0.append(handle[...]) })
    }

    /// The attributes of `path` (following links), or nil when there is nothing there.
    func attributes(of path: String) throws(SFTPFailure) -> SFTPAttributes? {
        do throws(SFTPFailure) {
            let answer = try request(.stat) { $0.append(path) }
            guard case .attributes(let attributes) = answer else { throw Self.unexpected(answer, to: "STAT") }
            return attributes
        } catch {
            if case .status(SFTPStatusCode.noSuchFile.rawValue, _) = error { return nil }
            throw error
        }
    }

    func attributes(ofHandle handle: [UInt8]) throws(SFTPFailure) -> SFTPAttributes {
        let answer = try request(.fstat) { $0.append(handle[...]) }
        guard case .attributes(let attributes) = answer else { throw Self.unexpected(answer, to: "FSTAT") }
        return attributes
    }

    /// Reads `range` of the open file into `buffer` (replacing its contents), `window`
    /// pieces in flight; stops early at the end of the file, so `buffer` may come back short.
    func read(_ handle: [UInt8], range: Range<Int>, into buffer: inout [UInt8]) throws(SFTPFailure) {
        buffer.removeAll(keepingCapacity: true)
        var pending: [(offset: Int, count: Int, answer: SFTPPendingAnswer)] = []
        var next = range.lowerBound
        var ended = false
        func sendPiece() throws(SFTPFailure) {
            let count = min(Self.pieceSize, range.upperBound - next)
            let offset = next
            pending.append((offset, count, try send(.read) { packet in
                packet.append(handle[...])
                packet.append(UInt64(offset))
                packet.append(UInt32(count))
            }))
            next += count
        }
        while !pending.isEmpty || (next < range.upperBound && !ended) {
            while !ended && next < range.upperBound && pending.count < Self.window { try sendPiece() }
            let piece = pending.removeFirst()
            let answer = try piece.answer.wait()
            if ended { continue }  // answers to pieces past the end: drained, not used
            switch answer {
            case .data(let bytes):
                buffer.append(contentsOf: bytes)
                // A server may answer with less than asked without being at the end: the
                // rest of the piece is asked for before the next one is used.
                var position = piece.offset + bytes.count
                let pieceEnd = piece.offset + piece.count
                while position < pieceEnd && !ended {
                    let rest = try request(.read) { packet in
                        packet.append(handle[...])
                        packet.append(UInt64(position))
                        packet.append(UInt32(pieceEnd - position))
                    }
                    switch rest {
                    case .data(let more) where !more.isEmpty:
                        buffer.append(contentsOf: more)
                        position += more.count
                    case .status(SFTPStatusCode.endOfFile.rawValue, _), .data: ended = true
                    default: throw Self.unexpected(rest, to: "READ")
                    }
                }
            case .status(SFTPStatusCode.endOfFile.rawValue, _): ended = true
            default: throw Self.unexpected(answer, to: "READ")
            }
        }
    }

    /// Writes `bytes` at the start of the open file, `window` pieces in flight.
    func write(_ handle: [UInt8], _ bytes: UnsafeRawBufferPointer) throws(SFTPFailure) {
        var pending: [SFTPPendingAnswer] = []
        var offset = 0
        var failure: SFTPFailure?
        while offset < bytes.count || !pending.isEmpty {
            while failure == nil && offset < bytes.count && pending.count < Self.window {
                let piece = UnsafeRawBufferPointer(rebasing: bytes[offset..<min(bytes.count, offset + Self.pieceSize)])
                let at = offset
                pending.append(try send(.write) { packet in
                    packet.append(handle[...])
                    packet.append(UInt64(at))
                    packet.append(piece)
                })
                offset += piece.count
            }
            if pending.isEmpty { break }
            // Every answer is waited for, even after a failure: none is left for a later request.
            do throws(SFTPFailure) {
                try Self.expectOK(try pending.removeFirst().wait())
            } catch {
                failure = failure ?? error
                if !error.isStatus { throw error }
            }
        }
        if let failure { throw failure }
    }

    /// fsync@openssh.com when the server offers it; without it the server's own writeback
    /// decides when the bytes reach its disk.
    func sync(_ handle: [UInt8]) throws(SFTPFailure) {
        guard extensions["fsync@openssh.com"] != nil else { return }
        try Self.expectOK(try request(.extended) { packet in
            packet.append("fsync@openssh.com")
            packet.append(handle[...])
        })
    }

    /// Renames `source` over `destination`: atomically with posix-rename@openssh.com; plain
    /// RENAME fails when the destination exists, so it is removed first (objects are named by
    /// their contents: the one removed holds the same bytes).
    func rename(_ source: String, to destination: String) throws(SFTPFailure) {
        if extensions["posix-rename@openssh.com"] != nil {
            try Self.expectOK(try request(.extended) { packet in
                packet.append("posix-rename@openssh.com")
                packet.append(source)
                packet.append(destination)
            })
            return
        }
        do throws(SFTPFailure) {
            try Self.expectOK(try request(.rename) { packet in
                packet.append(source)
                packet.append(destination)
            })
        } catch {
            guard error.isStatus, try attributes(of: destination) != nil else { throw error }
            try remove(destination)
            try Self.expectOK(try request(.rename) { packet in
                packet.append(source)
                packet.append(destination)
            })
        }
    }

    /// Removes the file; false when there was none.
    @discardableResult
    func remove(_ path: String) throws(SFTPFailure) -> Bool {
        do throws(SFTPFailure) {
            try Self.expectOK(try request(.remove) { $0.append(path) })
            return true
        } catch {
            if case .status(SFTPStatusCode.noSuchFile.rawValue, _) = error { return false }
            throw error
        }
    }

    /// Creates each directory (0700), all requests in flight at once; one that exists
    /// already is fine. Parents must come before their children in `paths`.
    func makeDirectories(_ paths: [String]) throws(SFTPFailure) {
        var pending: [(String, SFTPPendingAnswer)] = []
        for path in paths {
            pending.append((path, try send(.mkdir) { packet in
                packet.append(path)
                packet.append(SFTPAttributes(permissions: 0o700))
            }))
        }
        for (path, answer) in pending {
            do throws(SFTPFailure) {
                try Self.expectOK(try answer.wait())
            } catch {
                // OpenSSH answers FAILURE for an existing directory: see whether one is there.
                guard error.isStatus, try attributes(of: path)?.isDirectory == true else { throw error }
            }
        }
    }

    /// Directories open at once while listing: OpenSSH's sftp-server holds a descriptor for
    /// each, within the server's limit (often 1024 per process).
    static let directoriesAtOnce = 64

    /// The entries of each directory (without `.` and `..`), `directoriesAtOnce` listed in
    /// parallel; a directory that does not exist is left out of the answer.
    func list(_ directories: [String]) throws(SFTPFailure) -> [String: [SFTPDirectoryEntry]] {
        var entries: [String: [SFTPDirectoryEntry]] = [:]
        for start in stride(from: 0, to: directories.count, by: Self.directoriesAtOnce) {
            let batch = directories[start..<min(directories.count, start + Self.directoriesAtOnce)]
            entries.merge(try listBatch(Array(batch))) { $1 }
        }
        return entries
    }

    private func listBatch(_ directories: [String]) throws(SFTPFailure) -> [String: [SFTPDirectoryEntry]] {
        var opened: [(String, SFTPPendingAnswer)] = []
        for directory in directories { opened.append((directory, try send(.opendir) { $0.append(directory) })) }
        var handles: [(directory: String, handle: [UInt8])] = []
        var failure: SFTPFailure?
        for (directory, answer) in opened {
            do throws(SFTPFailure) {
                switch try answer.wait() {
                case .handle(let handle): handles.append((directory, handle))
                case .status(SFTPStatusCode.noSuchFile.rawValue, _): continue
                case let other: throw Self.unexpected(other, to: "OPENDIR")
                }
            } catch {
                failure = failure ?? error
            }
        }
        var entries: [String: [SFTPDirectoryEntry]] = [:]
        var reading = handles
        while failure == nil && !reading.isEmpty {
            var round: [(String, [UInt8], SFTPPendingAnswer)] = []
            for (directory, handle) in reading { round.append((directory, handle, try send(.readdir) { $0.append(handle[...]) })) }
            reading = []
            for (directory, handle, answer) in round {
                do throws(SFTPFailure) {
                    switch try answer.wait() {
                    case .names(let names):
                        entries[directory, default: []] += names.filter { $0.name != "." && $0.name != ".." }
                        reading.append((directory, handle))
                    case .status(SFTPStatusCode.endOfFile.rawValue, _): entries[directory, default: []] += []
                    case let other: throw Self.unexpected(other, to: "READDIR")
                    }
                } catch {
                    failure = failure ?? error
                }
            }
        }
        var closing: [SFTPPendingAnswer] = []
        for (_, handle) in handles { if let answer = try? send(.close, build: { $0.append(handle[...]) }) { closing.append(answer) } }
        for answer in closing { _ = try? answer.wait() }
        if let failure { throw failure }
        return entries
    }

    static func expectOK(_ answer: SFTPResponse) throws(SFTPFailure) {
        guard case .status(let code, let message) = answer else { throw unexpected(answer, to: "a request") }
        guard code == SFTPStatusCode.ok.rawValue else { throw .status(code: code, message: message) }
    }

    /// An error status as a failure; anything else the server had no business sending.
    static func unexpected(_ answer: SFTPResponse, to request: String) -> SFTPFailure {
        if case .status(let code, let message) = answer { return .status(code: code, message: message) }
        return .malformed("the server answered \(request) with an unexpected packet")
    }
}

extension SFTPFailure {
    var isStatus: Bool {
        if case .status = self { return true }
        return false
    }
}
