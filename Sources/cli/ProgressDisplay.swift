import Foundation
import Repo
import Storage
import Synchronization

/// One self-rewriting status line on stderr while a snapshot runs: files, bytes, rate and
/// ETA. Only on a terminal; silent otherwise (cron mails stay clean).
///
/// With `--json`, progress is instead a stream of `{"message_type": "status", ...}` lines on
/// stdout, one a second, before the summary line.
final class ProgressDisplay: Sendable {
    let isActive: Bool
    private let json: Bool
    private let output: Output
    private struct State {
        var drawn = false
        var lastStatus = Date()  // the first status after a second: short runs print only the summary
        /// The progress part of the line last drawn, to redraw it with a wait.
        var lastLine = ""
        /// When the store is tried again, while a request waits to retry.
        var retryAt: Date?
    }
    private let state = Mutex(State())

    init(output: Output) {
        json = output.json && !output.quiet
        self.output = output
        isActive = output.isInteractive || json
    }

    func show(_ progress: SnapshotProgress) {
        guard isActive else { return }
        if json {
            emitStatus(progress)
            return
        }
        let rate = progress.elapsedSeconds > 0 ? Double(progress.bytesDone) / progress.elapsedSeconds : 0
        var line = "\(progress.files) files, \(Format.bytes(progress.bytesDone))"
        if progress.bytesTotal > 0 {
            line += " of \(Format.bytes(progress.bytesTotal))\(progress.scanComplete ? "" : "+")"
            let percent = min(100, Double(progress.bytesDone) * 100 / Double(progress.bytesTotal))
            line += String(format: " (%.0f%%)", percent)
        }
        line += ", \(Format.bytes(UInt64(rate)))/s"
        if progress.scanComplete, rate > 0, progress.bytesTotal > progress.bytesDone {
            line += ", ETA \(Format.duration(Double(progress.bytesTotal - progress.bytesDone) / rate))"
        }
        line += ", \(Format.duration(progress.elapsedSeconds))"
        state.withLock { state in
            state.lastLine = line
            draw(&state)
        }
    }

    /// A request waits before trying the store again: said on the line until the try.
    func waiting(_ event: RetryEvent) {
        guard isActive && !json else { return }
        state.withLock { state in
            let at = Date().addingTimeInterval(event.wait)
            state.retryAt = max(state.retryAt ?? at, at)
            draw(&state)
        }
    }

    private func draw(_ state: inout State) {
        var line = state.lastLine
        if let retryAt = state.retryAt {
            let seconds = retryAt.timeIntervalSinceNow
            if seconds > 0 {
                // First, so that a narrow terminal cuts the counts rather than the wait.
                line = "waiting for the store: next try in \(Int(seconds.rounded(.up))) s" + (line.isEmpty ? "" : "; " + line)
            } else {
                state.retryAt = nil
            }
        }
        output.terminal("\r\u{1B}[2K" + String(line.prefix(terminalWidth() - 1)))
        state.drawn = true
    }

    private func emitStatus(_ progress: SnapshotProgress) {
        let now = Date()
        guard state.withLock({ state -> Bool in
            guard now.timeIntervalSince(state.lastStatus) >= 1 else { return false }
            state.lastStatus = now
            return true
        }) else { return }
        output.emit(SnapshotStatusMessage(progress))
    }

    func finish() {
        state.withLock { state in
            if state.drawn { output.terminal("\r\u{1B}[2K") }
            state.drawn = false
        }
    }

    private func terminalWidth() -> Int {
        var size = winsize()
        return ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }
}
