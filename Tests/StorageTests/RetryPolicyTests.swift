import Foundation
@testable import Storage
import TestSupport
import Testing

/// The retry policy alone, with a seeded generator and made-up elapsed times: full jitter
/// within each ceiling, ceilings doubling up to the cap, and no try after the budget.
@Suite struct RetryPolicyTests {
    @Test func ceilingsDoubleUpToTheCap() {
        let policy = RetryPolicy(budget: 600, maxWait: 30, baseWait: 0.2)
        #expect((1...9).map { policy.ceiling(after: $0) } == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30])
        #expect(policy.ceiling(after: 100) == 30 && policy.ceiling(after: Int.max) == 30)
    }

    /// Full jitter: every wait lies in 0...ceiling, and the draws cover that range (not
    /// bunched at the ceiling, as plain exponential backoff would be).
    @Test func fullJitterStaysWithinEachCeiling() {
        let policy = RetryPolicy(budget: 1_000_000, maxWait: 30, baseWait: 0.2)
        var random = SeededGenerator(seed: 16)
        for attempt in [1, 4, 8, 20] {
            let ceiling = policy.ceiling(after: attempt)
            let waits = (0..<2000).map { _ in policy.nextWait(after: attempt, elapsed: 0, using: &random)! }
            #expect(waits.allSatisfy { (0...ceiling).contains($0) }, "attempt \(attempt)")
            #expect(waits.min()! < ceiling * 0.01 && waits.max()! > ceiling * 0.99, "attempt \(attempt): spread over 0...\(ceiling)")
            let mean = waits.reduce(0, +) / Double(waits.count)
            #expect(abs(mean - ceiling / 2) < ceiling * 0.05, "attempt \(attempt): mean \(mean)")
        }
    }

    /// Tries that fail at once: the waits add up to the budget exactly (the last one cut to
    /// end with it), then no more; no wait is over the cap.
    @Test func theBudgetEndsTheRetries() {
        let policy = RetryPolicy(budget: 600, maxWait: 30, baseWait: 0.2)
        var random = SeededGenerator(seed: 17)
        var elapsed = 0.0, attempt = 1, waits: [Double] = []
        while let wait = policy.nextWait(after: attempt, elapsed: elapsed, using: &random) {
            waits.append(wait)
            elapsed += wait
            attempt += 1
        }
        #expect(abs(elapsed - 600) < 1e-9, "\(elapsed)")
        #expect(waits.allSatisfy { $0 <= 30 })
        // About 8 tries to reach the cap, then 15 s on average: some 45 tries in 10 minutes.
        #expect((30...70).contains(attempt), "\(attempt) tries")
        #expect(policy.nextWait(after: 1, elapsed: 600, using: &random) == nil)
        #expect(policy.nextWait(after: 1, elapsed: 599.5, using: &random)! <= 0.5)
    }

    @Test func aZeroBudgetNeverRetries() {
        var random = SeededGenerator(seed: 18)
        #expect(RetryPolicy(budget: 0).nextWait(after: 1, elapsed: 0, using: &random) == nil)
    }

    @Test func anAttemptCapEndsBeforeTheBudget() {
        let policy = RetryPolicy(budget: 600, maxAttempts: 3)
        var random = SeededGenerator(seed: 19)
        #expect(policy.nextWait(after: 2, elapsed: 1, using: &random) != nil)
        #expect(policy.nextWait(after: 3, elapsed: 1, using: &random) == nil)
    }

    /// REPO_RETRY_BUDGET sets the budget, over REPO_S3_REQUEST_TIMEOUT (its older name, still
    /// read alone); REPO_S3_MAX_ATTEMPTS an optional count; bad values are errors.
    @Test func settingsFromTheEnvironment() throws {
        #expect(try S3Configuration(environment: [:]).retry == RetryPolicy(budget: 600, maxWait: 30, baseWait: 0.2, maxAttempts: nil))
        #expect(try S3Configuration(environment: ["REPO_RETRY_BUDGET": "90s"]).retry.budget == 90)
        #expect(try S3Configuration(environment: ["REPO_RETRY_BUDGET": "0"]).retry.budget == 0)
        #expect(try S3Configuration(environment: ["REPO_S3_REQUEST_TIMEOUT": "2m"]).retry.budget == 120)
        #expect(try S3Configuration(environment: ["REPO_RETRY_BUDGET": "1h", "REPO_S3_REQUEST_TIMEOUT": "2m"]).retry.budget == 3600)
        #expect(try S3Configuration(environment: ["REPO_S3_MAX_ATTEMPTS": "4"]).retry.maxAttempts == 4)
        for bad in ["soon", "25h", "-1s", ""] {
            #expect(throws: BackendError.self, "\(bad)") { try S3Configuration(environment: ["REPO_RETRY_BUDGET": bad]) }
        }
        #expect(throws: BackendError.self) { try S3Configuration(environment: ["REPO_S3_MAX_ATTEMPTS": "many"]) }
    }

    @Test func elapsedTimesAsMessagesSayThem() {
        #expect(TimeSpan.describeElapsed(4.24) == "4.2s")
        #expect(TimeSpan.describeElapsed(600.2) == "10m0s")
        #expect(TimeSpan.describeElapsed(3723) == "1h2m3s")
    }
}
