import Foundation
import Testing

/// Issue 15, D13 and D17: every size, duration, count, percentage and time a user gives is
/// range-checked. A hostile value (huge, negative, infinite, NaN, 1e400, empty, a unit
/// multiplication that overflows) exits 2 with one clear line naming the flag and the
/// accepted range; nothing crashes, nothing is silently clamped or wrapped.
@Suite struct HostileArgumentTests {
    /// Values no number option accepts.
    static let hostile = ["", "-1", "inf", "-inf", "nan", "1e400", "99999999999999999999999", "abc"]

    private func expectRejected(_ result: RunResult, _ flag: String, _ range: String, _ value: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 2, "\(flag) \(value.debugDescription): exit 2, not \(result.status): \(result)", sourceLocation: sourceLocation)
        #expect(result.err.contains(flag) && result.err.contains(range),
                "\(flag) \(value.debugDescription): the message names the flag and \(range.debugDescription): \(result.err)",
                sourceLocation: sourceLocation)
    }

    /// A workspace with a repository and a directory of one file to back up.
    private func repositoryAndSource(_ label: String) throws -> (Workspace, String) {
        let workspace = try Workspace(label)
        try workspace.initRepository()
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        try FS.writeFile(Array((source + "/a.txt").utf8), Array("a\n".utf8))
        return (workspace, source)
    }

    /// Runs `repo run nightly --dry-run` on a job file whose job has `line` as its line 6.
    private func runJob(_ workspace: Workspace, withLine line: String) throws -> RunResult {
        try workspace.writeNightlyJobFile(endingWith: line)
        return try workspace.repo("run", "nightly", "--dry-run")
    }

    @Test func sizes() throws {
        let workspace = try Workspace("hostile-size")
        defer { workspace.remove() }
        try workspace.initRepository()
        for value in Self.hostile + ["10000000T", "infG", "nanM", "1e400K", "1025T", "99999999999999999999G", "-1G", "G", "1e20T"] {
            expectRejected(try workspace.repo("prune", "--dry-run", "--max-repack-size", value), "--max-repack-size", "from 0 to 1024T", value)
        }
        let edge = try workspace.repo("prune", "--dry-run", "--max-repack-size", "1024T")
        #expect(edge.status == 0, "the upper end is accepted: \(edge)")
    }

    @Test func durations() throws {
        let workspace = try Workspace("hostile-duration")
        defer { workspace.remove() }
        try workspace.initRepository()
        let values = Self.hostile + ["1" + String(repeating: "0", count: 300) + "w", "36501d", "99999999999w", "infd", "nanh", "-1d", "1e400s", "d"]
        for value in values {
            expectRejected(try workspace.repo("prune", "--dry-run", "--grace", value), "--grace", "from 0 to 36500d", value)
            expectRejected(try workspace.repo("snapshots", "--lock-wait", value), "--lock-wait", "from 0 to 36500d", value)
            expectRejected(try workspace.repo(["snapshots"], environment: ["REPO_LOCK_WAIT": value]), "REPO_LOCK_WAIT", "from 0 to 36500d", value)
            expectRejected(try workspace.repo("status", "--max-age", value), "--max-age", "at most 36500d", value)
        }
        let edge = try workspace.repo("prune", "--dry-run", "--grace", "36500d", "--lock-wait", "36500d")
        #expect(edge.status == 0, "the upper end is accepted: \(edge)")
    }

    @Test func countsAndPercentages() throws {
        let workspace = try Workspace("hostile-count")
        defer { workspace.remove() }
        try workspace.initRepository()
        for value in Self.hostile + ["0", "257", "9223372036854775808", "1e3", "1.5"] {
            expectRejected(try workspace.repo("restore", "--jobs", value, "latest", "--target", workspace.path("t")), "--jobs", "from 1 to 256", value)
        }
        // -1 is a valid `--keep-*` count (keep all).
        for value in Self.hostile.filter({ $0 != "-1" }) + ["-2", "2147483648", "9223372036854775808"] {
            expectRejected(try workspace.repo("forget", "--keep-last", value), "--keep-last", "from -1 to 2147483647", value)
        }
        for value in Self.hostile + ["0", "1025"] {
            expectRejected(try workspace.repo("init", "--repo", workspace.path("other"), "--pack-size", value), "--pack-size", "from 1 to 1024", value)
        }
        for value in Self.hostile + ["101", "-0.1%", "nan%", "inf%", "1e400%"] {
            expectRejected(try workspace.repo("prune", "--dry-run", "--max-unused", value), "--max-unused", "from 0 to 100", value)
        }
        for value in Self.hostile + ["0%", "nan%", "inf%", "1e400%", "101%", "0/0", "2/1", "99999999999999999999/1"] {
            expectRejected(try workspace.repo("check", "--read-data-subset", value), "--read-data-subset", "above 0 and at most 100", value)
        }
    }

    /// D17: times before 1970 or after 9999 were stored as other times (year 1 as
    /// 0001-12-30, year -1000000 as 1000022).
    @Test func timesOutsideTheRange() throws {
        let (workspace, source) = try repositoryAndSource("hostile-time")
        defer { workspace.remove() }
        let range = "from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z"
        for value in ["0001-01-01 00:00:00", "-1000000-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "10000-01-01T00:00:00Z",
                      "1969-12-31", "", "nan", "inf", "1e400",
                      // ICU, behind Foundation's date formatters, divided by zero on a long fraction (SIGFPE).
                      "2026-01-01T00:00:00." + String(repeating: "1", count: 100) + "Z", "2026-02-30", "2026-01-01 24:00"] {
            expectRejected(try workspace.repo("snapshot", "--time", value, source), "--time", range, value)
            expectRejected(try workspace.repo("run", "nightly", "--time", value), "--time", range, value)
        }
        #expect(try snapshotList(workspace).isEmpty, "no snapshot was written")
    }

    /// D17: the ends of the range are stored and read back exactly.
    @Test func timesAtTheEdgesRoundTrip() throws {
        let (workspace, source) = try repositoryAndSource("edge-time")
        defer { workspace.remove() }
        let edges = ["1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2000-02-29T12:34:56Z"]
        for time in edges {
            let result = try workspace.repo("snapshot", "--time", time, source)
            #expect(result.status == 0, "\(time): \(result)")
        }
        let local = try workspace.repo(["snapshot", "--time", "9999-12-31 23:59:59", source], environment: ["TZ": "UTC"])
        #expect(local.status == 0, "\(local)")
        let times = try snapshotList(workspace).compactMap { $0["time"] as? String }.sorted()
        #expect(times == ["1970-01-01T00:00:00Z", "2000-02-29T12:34:56Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"], "\(times)")
    }

    /// The job file's durations: `FILE:LINE:COLUMN: message`, exit 17.
    @Test func jobFileDurations() throws {
        let workspace = try jobWorkspace("hostile-jobfile")
        defer { workspace.remove() }
        for value in ["99999999999w", "36501d", "1" + String(repeating: "0", count: 300) + "w", "infd", "nan", "-1d", ""] {
            let result = try runJob(workspace, withLine: "lock-wait = \"\(value)\"")
            #expect(result.status == 17, "\(value.debugDescription): \(result)")
            #expect(result.err.contains("jobs.toml:6:") && result.err.contains("lock-wait") && result.err.contains("from 0 to 36500d"),
                    "\(value.debugDescription): \(result.err)")
        }
        // Counts in the job file: integers in their range, no floats, no overflow.
        for (key, value) in [("drill-files", "99999999999999999999"), ("drill-files", "-1"), ("drill-files", "1e400"),
                             ("disk-warning", "101"), ("disk-warning", "inf"), ("disk-warning", "nan"), ("disk-warning", "-9223372036854775809")] {
            let result = try runJob(workspace, withLine: "\(key) = \(value)")
            #expect(result.status == 17 && result.err.contains("jobs.toml:6:"), "\(key) = \(value): \(result)")
        }
    }
}
