import Foundation

/// How a backend that can fail transiently (S3; SFTP when it lands) retries one request:
/// exponential backoff with full jitter, each wait at most `maxWait`, until `budget` seconds
/// have passed since the first try (or, when set, `maxAttempts` tries were made).
///
/// Full jitter (a wait drawn uniformly from 0 to the ceiling, not the ceiling itself) keeps
/// many clients that failed together, or the connections of one, from coming back together.
/// A time budget rather than a count: an outage lasts a time, and a count of retries with
/// growing waits either gives up on a blip of ten seconds or waits for hours.
public struct RetryPolicy: Sendable, Equatable {
    /// The default budget: ten minutes, which outlasts a network blip, a store's rolling
    /// restart or a SlowDown burst, and still ends a nightly run that cannot succeed.
    public static let defaultBudget: TimeInterval = 600

    /// Seconds one request may take across all its tries, waits included: no try starts
    /// after it (the last one may run past it, by at most one idle timeout when stalled).
    public var budget: TimeInterval
    /// The longest single wait.
    public var maxWait: TimeInterval
    /// The ceiling of the first wait; each next ceiling is twice the one before.
    public var baseWait: TimeInterval
    /// Tries per request at most, whatever the budget; nil: the budget alone decides
    /// (REPO_S3_MAX_ATTEMPTS, for tests and operators who want a count).
    public var maxAttempts: Int?

    public init(budget: TimeInterval = defaultBudget, maxWait: TimeInterval = 30, baseWait: TimeInterval = 0.2, maxAttempts: Int? = nil) {
        self.budget = budget
        self.maxWait = maxWait
        self.baseWait = baseWait
        self.maxAttempts = maxAttempts
    }

    /// The longest wait after the `attempt`-th try failed (1-based): `baseWait·2^(attempt−1)`,
    /// at most `maxWait`.
    public func ceiling(after attempt: Int) -> TimeInterval {
        min(maxWait, baseWait * pow(2, Double(min(max(attempt - 1, 0), 60))))
    }

    /// How long to wait before the next try, the `attempt`-th having failed `elapsed`
    /// seconds after the first one started; nil: give up. A wait that would run past the
    /// budget is shortened to end with it, so the last try starts as the budget ends.
    public func nextWait(after attempt: Int, elapsed: TimeInterval,
                         using random: inout some RandomNumberGenerator) -> TimeInterval? {
        if let maxAttempts, attempt >= maxAttempts { return nil }
        guard elapsed < budget else { return nil }
        let drawn = Double.random(in: 0...ceiling(after: attempt), using: &random)
        return min(drawn, budget - elapsed)
    }

    /// The same policy allowing one try: for requests after another spent its whole budget.
    public var singleTry: RetryPolicy {
        var policy = self
        policy.maxAttempts = 1
        return policy
    }

    public func nextWait(after attempt: Int, elapsed: TimeInterval) -> TimeInterval? {
        var random = SystemRandomNumberGenerator()
        return nextWait(after: attempt, elapsed: elapsed, using: &random)
    }
}
