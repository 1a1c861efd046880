import Foundation
import Posix
import Synchronization

/// One SFTP session over the pipes of an ssh process, shared by every caller: requests are
/// numbered, written whole under a lock, and answered by one reader thread that hands each
/// answer to the caller waiting for its id. Callers may keep many requests in flight
/// (`send`, then `SFTPPendingAnswer.wait`), which is how one object's pieces are pipelined.
///
/// Once the connection breaks (ssh exits, a pipe ends, a malformed answer) every waiting
/// and later request fails with the same `SFTPFailure`; the backend then starts another.
final class SFTPConnection: @unchecked Sendable {
    /// Extensions the server offered (name to version).
    let extensions: [String: String]
    private let process: PipedProcess
    private let host: String
    private let writeLock = Mutex<Void>(())
    private let state = Mutex<State>(State())
    private let stderrTail = StderrTail()
    private let finished = DispatchGroup()
    /// The process's limits (`--limit-upload`, `--limit-download`): every packet's bytes
    /// count, as every byte of an S3 connection does.
    private let bandwidth = BandwidthLimits.process
    /// Seconds a waiting request may see nothing at all arrive before the connection counts
    /// as stalled (a hung server behind a live ssh) and is given up as lost.
    private let idleTimeout: Double
    /// When the last packet arrived (DispatchTime nanoseconds).
    private let lastReceived = Atomic<UInt64>(DispatchTime.now().uptimeNanoseconds)

    private struct State {
        var nextID: UInt32 = 1
        var waiting: [UInt32: SFTPPendingAnswer] = [:]
        var failure: SFTPFailure?
    }

    /// The largest packet accepted from the server: OpenSSH sends at most 256 KiB.
    static let maxPacketLength = 4 << 20

    /// Starts `command` and completes the INIT/VERSION exchange. Throws `.refused` when ssh
    /// ends before the server answers for a reason no retry changes, `.lost` otherwise.
    init(command: [String], environment: [String: String], host: String, idleTimeout: Double = 120) throws(SFTPFailure) {
        self.host = host
        self.idleTimeout = idleTimeout
        do {
            process = try PipedProcess(command, environment: environment)
        } catch {
            throw .refused("cannot run \(command.first ?? "ssh") for \(host): \(error)")
        }
        let input = PacketInput(process.output)
        let tail = stderrTail
        let errors = process.errors
        finished.enter()
        Thread.detachNewThread { [finished] in
            tail.collect(errors)
            finished.leave()
        }
        var hello = SFTPPacketWriter(.initialize)
        hello.append(UInt32(3))
        let version: SFTPVersion
        // A server that never answers (a black hole, a hung login) is given up like a stall.
        let silent = Atomic<Bool>(false)
        let running = process
        let watchdog = DispatchWorkItem {
            silent.store(true, ordering: .relaxed)
            running.kill()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + idleTimeout, execute: watchdog)
        defer { watchdog.cancel() }
        do throws(SFTPFailure) {
            try Self.write(hello.packet, to: process.input, host: host)
            guard let body = try input.next() else { throw SFTPFailure.lost("") }
            do throws(SFTPMalformed) {
                version = try SFTPVersion.decode(body[...])
            } catch {
                throw SFTPFailure.malformed("\(host) does not speak SFTP: \(error.reason)")
            }
        } catch {
            let failure = error
            try? process.input.close()
            process.kill()
            let status = process.wait()
            finished.wait()
            try? process.output.close()
            try? process.errors.close()
            if case .malformed = failure { throw failure }
            if silent.load(ordering: .relaxed) {
                throw SFTPFailure.lost("\(host) did not answer within \(TimeSpan.describe(idleTimeout)) (REPO_SFTP_IDLE_TIMEOUT)")
            }
            throw SFTPFailure.sshEnded(status: status, stderr: tail.text, host: host)
        }
        extensions = version.extensions
        guard version.version >= 3 else {
            close()
            throw .malformed("\(host) speaks SFTP version \(version.version); version 3 is needed")
        }
        finished.enter()
        Thread.detachNewThread { [self] in
            readAnswers(input)
            finished.leave()
        }
    }

    /// Whether the connection broke; a broken one is replaced, never used again.
    var isBroken: Bool { state.withLock { $0.failure != nil } }

    /// Sends a request (built with `request(_:)`'s id) without waiting for the answer.
    func send(_ type: SFTPPacketType, build: (inout SFTPPacketWriter) -> Void) throws(SFTPFailure) -> SFTPPendingAnswer {
        let pending = SFTPPendingAnswer { [weak self] since in self?.checkStall(waitingSince: since) }
        let id: UInt32 = try state.withLock { (state) throws(SFTPFailure) -> UInt32 in
            if let failure = state.failure { throw failure }
            let id = state.nextID
            state.nextID &+= 1
            state.waiting[id] = pending
            return id
        }
        var writer = SFTPPacketWriter(type, id: id)
        build(&writer)
        if bandwidth.upload.isLimited { bandwidth.upload.take(writer.bytes.count) }
        do throws(SFTPFailure) {
            try writeLock.withLock { (_) throws(SFTPFailure) in try Self.write(writer.packet, to: process.input, host: host) }
        } catch {
            fail(error)
        }
        return pending
    }

    /// Sends a request and waits for its answer.
    func request(_ type: SFTPPacketType, build: (inout SFTPPacketWriter) -> Void) throws(SFTPFailure) -> SFTPResponse {
        try send(type, build: build).wait()
    }

    /// Ends the session: every request still waiting fails, and ssh is asked to stop. The
    /// descriptors stay open until the last caller lets go of the connection (`deinit`):
    /// a thread still writing must never reach a descriptor number reused by another.
    func close() {
        fail(.lost("the connection to \(host) was closed"))
    }

    deinit {
        // The reader thread held `self`, so it has ended; ssh was told to stop by `fail`.
        process.kill()
        try? process.input.close()
        _ = process.wait()
        finished.wait()
        try? process.output.close()
        try? process.errors.close()
    }

    /// The process id of ssh (or of the shell running `--sftp-command`), for tests.
    var processID: pid_t { process.pid }

    // MARK: Reading

    private func readAnswers(_ input: PacketInput) {
        while true {
            let body: [UInt8]
            do throws(SFTPFailure) {
                guard let next = try input.next() else {
                    // Let ssh say why it ended before its last words are read.
                    Thread.sleep(forTimeInterval: 0.05)
                    let detail = stderrTail.text.split(whereSeparator: \.isNewline).last.map { ": \($0)" } ?? ""
                    fail(.lost("the connection to \(host) ended\(detail)"))
                    return
                }
                body = next
                lastReceived.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
                if bandwidth.download.isLimited { bandwidth.download.take(next.count + 4) }
            } catch {
                fail(error)
                return
            }
            let answer: (id: UInt32, response: SFTPResponse)
            do throws(SFTPMalformed) {
                answer = try SFTPResponse.decode(body[...])
            } catch {
                fail(.malformed("\(host) sent a malformed SFTP answer: \(error.reason)"))
                return
            }
            let pending = state.withLock { $0.waiting.removeValue(forKey: answer.id) }
            pending?.fulfil(.success(answer.response))
        }
    }

    /// Gives the connection up as lost when nothing arrived for `idleTimeout` seconds while a
    /// request waited (since it was sent, or since the last packet if that came later).
    private func checkStall(waitingSince sent: UInt64) {
        let quietSince = max(sent, lastReceived.load(ordering: .relaxed))
        let now = DispatchTime.now().uptimeNanoseconds
        guard now > quietSince, Double(now - quietSince) / 1e9 > idleTimeout else { return }
        fail(.lost("\(host) answered nothing for \(TimeSpan.describe(idleTimeout)) (REPO_SFTP_IDLE_TIMEOUT)"))
    }

    /// Breaks the connection: every waiting request fails with `failure` (the first one
    /// set wins), and so does every later one.
    private func fail(_ failure: SFTPFailure) {
        let waiting = state.withLock { state -> [SFTPPendingAnswer] in
            if state.failure == nil { state.failure = failure }
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        let reason = state.withLock { $0.failure! }
        for pending in waiting { pending.fulfil(.failure(reason)) }
        // The reader may be blocked on a live ssh: ending its input makes it exit.
        process.kill()
    }

    private static func write(_ packet: [UInt8], to output: FileDescriptor, host: String) throws(SFTPFailure) {
        let failure = packet.withUnsafeBytes { bytes -> Errno? in
            do throws(Errno) { try output.writeAll(bytes) } catch { return error }
            return nil
        }
        if let failure { throw .lost("the connection to \(host) broke: \(Errno.message(failure.code))") }
    }
}

/// The answer to one request in flight, handed over by the reader thread.
final class SFTPPendingAnswer: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private let result = Mutex<Result<SFTPResponse, SFTPFailure>?>(nil)
    private let sent = DispatchTime.now().uptimeNanoseconds
    /// Asked every second while the answer is awaited, with `sent`: may end the wait by
    /// failing the connection.
    private let onSilence: @Sendable (UInt64) -> Void

    init(onSilence: @escaping @Sendable (UInt64) -> Void) {
        self.onSilence = onSilence
    }

    func fulfil(_ value: Result<SFTPResponse, SFTPFailure>) {
        let first = result.withLock { result -> Bool in
            guard result == nil else { return false }
            result = value
            return true
        }
        if first { ready.signal() }
    }

    func wait() throws(SFTPFailure) -> SFTPResponse {
        while ready.wait(timeout: .now() + .seconds(1)) == .timedOut { onSilence(sent) }
        ready.signal()  // a second wait returns at once
        return try result.withLock { $0! }.get()
    }
}

/// Whole packets from the server's pipe, read through a buffer.
private final class PacketInput: @unchecked Sendable {
    private let descriptor: FileDescriptor
    private var buffer = [UInt8](repeating: 0, count: 256 << 10)
    private var start = 0
    private var end = 0

    init(_ descriptor: FileDescriptor) { self.descriptor = descriptor }

    /// The next packet's body (type byte first), or nil at the end of the stream.
    func next() throws(SFTPFailure) -> [UInt8]? {
        guard let header = try take(4) else { return nil }
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard length >= 5, length <= SFTPConnection.maxPacketLength else {
            throw .malformed("the server sent a packet of \(length) bytes")
        }
        guard let body = try take(length) else { return nil }
        return body
    }

    private func take(_ count: Int) throws(SFTPFailure) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            if start == end {
                start = 0
                let read = buffer.withUnsafeMutableBytes { bytes -> Result<Int, Errno> in
                    do throws(Errno) { return .success(try descriptor.read(into: bytes)) } catch { return .failure(error) }
                }
                switch read {
                case .success(let count): end = count
                case .failure(let error): throw .lost("reading from ssh failed: \(Errno.message(error.code))")
                }
                if end == 0 { return nil }
            }
            let piece = min(count - out.count, end - start)
            out.append(contentsOf: buffer[start..<start + piece])
            start += piece
        }
        return out
    }
}

/// The last few KiB ssh wrote to its standard error: kept for the one line that explains a
/// failure, never shown on the terminal.
private final class StderrTail: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    func collect(_ descriptor: FileDescriptor) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in (try? descriptor.read(into: buffer)) ?? 0 }
            if count <= 0 { return }
            bytes.withLock { bytes in
                bytes.append(contentsOf: chunk[..<count])
                if bytes.count > 8192 { bytes.removeFirst(bytes.count - 4096) }
            }
        }
    }

    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
}
