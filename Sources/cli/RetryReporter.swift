import Storage
import Synchronization

/// Shows the waits of backends that retry (`RetryEvent`s): with `--verbose` one line each on
/// stderr, and on the progress line of a command that draws one. The storage layer prints
/// nothing; this is where its waits become text.
final class RetryReporter: Sendable {
    private let output: Output
    private let display = Mutex<ProgressDisplay?>(nil)

    init(output: Output) {
        self.output = output
    }

    /// The progress line that shows waits, while a command draws one (nil: none).
    func show(on progress: ProgressDisplay?) {
        display.withLock { $0 = progress }
    }

    /// `repo: PUT data/ab/ab12cd34ef56…: 503 SlowDown (attempt 3); next try in 7.4 s`
    var observer: RetryObserver {
        { [self] event in
            let progress = display.withLock { $0 }
            if output.verbose {
                progress?.finish()  // the line goes above the progress line, not into it
                output.diagnostic("repo: \(event)")
            }
            progress?.waiting(event)
        }
    }
}
