import Foundation

/// One wait before a request is tried again, as a backend tells its observer: the storage
/// layer prints nothing, the command line shows it (`--verbose`, the progress line).
public struct RetryEvent: Sendable, Equatable, CustomStringConvertible {
    /// The store, as messages name it (`s3:https://HOST/BUCKET/PREFIX`).
    public let store: String
    /// The request: method and object, the id shortened (`PUT data/ab/ab12cd34ef56…`).
    public let request: String
    /// What went wrong with the try (`503 SlowDown`, `cannot connect to HOST: …`).
    public let failure: String
    /// The try that failed, 1 for the first.
    public let attempt: Int
    /// Seconds until the next try.
    public let wait: TimeInterval
    /// Seconds since the first try started.
    public let elapsed: TimeInterval

    public init(store: String, request: String, failure: String, attempt: Int, wait: TimeInterval, elapsed: TimeInterval) {
        self.store = store
        self.request = request
        self.failure = failure
        self.attempt = attempt
        self.wait = wait
        self.elapsed = elapsed
    }

    /// `PUT data/ab/ab12…: 503 SlowDown (attempt 3); next try in 7.4 s`
    public var description: String {
        "\(request): \(failure) (attempt \(attempt)); next try in \(String(format: "%.1f", wait)) s"
    }
}

/// Told of every wait before a retry; called on the thread that waits, from many at once.
public typealias RetryObserver = @Sendable (RetryEvent) -> Void
