import Foundation
import TestSupport
import Testing

// `repo run` night after night (`--time`): retention, the prune cadence, the rotating
// read-data check and copies to an S3 repository (moto); the job file's errors; secrets
// kept from the commands a job starts.

@Suite(.motoServer)
struct JobScheduleTests {
    let moto: MotoServer

    init() throws {
        moto = try MotoServer.suiteServer()
    }

    @Test func fortyNightsWithAnOffsiteCopy() throws {
        let workspace = try jobWorkspace("job-nights")
        defer { workspace.remove() }
        let bucket = try moto.makeBucket("job-nights")
        let offsite = "s3:\(moto.endpoint)/\(bucket)/offsite"
        workspace.extraEnvironment.merge(MotoServer.credentials) { $1 }
        try workspace.initRepository(at: workspace.repository)
        try workspace.initRepository(at: offsite)
        let uploads = workspace.path("uploads")
        try FileManager.default.createDirectory(atPath: uploads, withIntermediateDirectories: true)
        try workspace.writeJobFile("""
            [repository.main]
            location = "\(workspace.repository)"
            password-file = "\(workspace.path("password"))"
            [repository.offsite]
            location = "\(offsite)"
            password-command = "cat \(workspace.path("password"))"

            [job.nightly]
            repository = "main"
            copy-to = ["offsite"]
            paths = ["\(uploads)"]
            keep = { daily = 7, weekly = 4 }
            prune = "weekly"
            check = { structure = "daily", read-data = "1/7" }
            [[job.nightly.database]]
            type = "command"
            name = "orders"
            command = ["sh", "-c", "cat \(uploads)/night.txt; echo orders"]
            """)

        var parts: [Int] = []
        var prunes = 0
        let start = DateComponents(calendar: Calendar(identifier: .gregorian), year: 2026, month: 1, day: 1, hour: 12).date!
        for night in 0..<40 {
            try "night \(night)\n".write(toFile: "\(uploads)/night.txt", atomically: true, encoding: .utf8)
            let time = start.addingTimeInterval(Double(night) * 86_400)
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            let run = try workspace.repo("run", "nightly", "--json", "--time", formatter.string(from: time), timeout: 180)
            #expect(run.status == 0, "night \(night): \(run)")
            guard run.status == 0 else { return }
            #expect(run.stepResult("copy offsite") == "ok", "\(run)")
            let detail = run.stepDetail("check main")
            if let range = detail.range(of: #"part (\d+)/7"#, options: .regularExpression) {
                parts.append(Int(detail[range].dropFirst(5).prefix { $0 != "/" }) ?? 0)
            }
            if run.stepDetail("retention main").contains("pruned") { prunes += 1 }
        }
        #expect(parts == (0..<40).map { $0 % 7 + 1 }, "every subset in turn: \(parts)")
        #expect((6...7).contains(prunes), "weekly prunes over 40 nights: \(prunes)")

        let main = try workspace.snapshots(at: workspace.repository)
        let copies = try workspace.snapshots(at: offsite)
        // Per source (files, the orders dump), nights 2026-01-01 to 02-09: the dailies of
        // 02-03 to 02-09, and the newest of each of the last 4 ISO weeks: 02-09 and 02-08
        // (already kept), 02-01 and 01-25.
        let expectedDays = ["01-25", "02-01", "02-03", "02-04", "02-05", "02-06", "02-07", "02-08", "02-09"]
        for path in [uploads, "/databases/command/orders.dump"] {
            let kept = main.filter { ($0["paths"] as? [String]) == [path] }
            let days = kept.compactMap { ($0["time"] as? String).map { String($0.dropFirst(5).prefix(5)) } }.sorted()
            #expect(days == expectedDays, "\(path): kept \(days)")
        }
        let times = { (list: [[String: Any]]) in Set(list.compactMap { $0["time"] as? String }) }
        #expect(times(main) == times(copies), "the offsite copy keeps the same snapshots")
        let state = try String(contentsOfFile: workspace.path("state/jobs/nightly.json"), encoding: .utf8)
        #expect(state.contains("\"succeeded\" : true"), "\(state)")
    }

    @Test func jobFileErrorsNameTheLine() throws {
        let workspace = try jobWorkspace("job-errors")
        defer { workspace.remove() }
        try workspace.writeNightlyJobFile(endingWith: "retention = { daily = 7 }")
        let unknown = try workspace.repo("run", "nightly")
        #expect(unknown.status == 17, "\(unknown)")
        #expect(unknown.err.contains("jobs.toml:6:1:") && unknown.err.contains("unknown key `retention`"), "\(unknown)")
        #expect(unknown.stderrLines.count == 1, "one line: \(unknown)")

        try workspace.writeJobFile("[job.nightly]\nrepository = \"main\"\npaths = \"/srv\"\n")
        let wrongType = try workspace.repo("run", "nightly")
        #expect(wrongType.status == 17 && wrongType.err.contains("jobs.toml:3:9:"), "\(wrongType)")

        try workspace.writeJobFile("[repository.main]\nlocation = \"/tmp/nowhere\"\n[job.nightly]\nrepository = \"main\"\npaths = [\"/srv\"]\n")
        let missingJob = try workspace.repo("run", "weekly")
        #expect(missingJob.status == 17 && missingJob.err.contains("no job \"weekly\""), "\(missingJob)")

        let noFile = try workspace.repo("run", "nightly", "--config", workspace.path("missing.toml"))
        #expect(noFile.status == 17 && noFile.err.contains("missing.toml"), "\(noFile)")
    }

    @Test func commandsOfAJobSeeNoSecrets() throws {
        let workspace = try jobWorkspace("job-secrets")
        defer { workspace.remove() }
        try workspace.initRepository(at: workspace.repository)
        try workspace.writeJobFile("""
            [repository.main]
            location = "\(workspace.repository)"
            password-command = "env > \(workspace.path("password-command-env")); cat \(workspace.path("password"))"
            [job.env]
            repository = "main"
            [[job.env.database]]
            type = "command"
            name = "environment"
            command = ["env"]
            """)
        let secrets = ["REPO_PASSWORD": "hunter2-repo-secret", "AWS_SECRET_ACCESS_KEY": "aws-secret-value-123",
                       "AWS_ACCESS_KEY_ID": "AKIDSECRETKEYID", "AWS_SESSION_TOKEN": "session-token-value"]
        let run = try workspace.repo(["run", "env"], environment: secrets)
        #expect(run.status == 0, "\(run)")
        let dump = try workspace.repo(["dump", "latest", "/databases/command/environment.dump", "--repo", workspace.repository],
                                      environment: ["REPO_PASSWORD": workspace.password])
        #expect(dump.status == 0 && dump.out.contains("PATH="), "\(dump)")
        let commandEnvironment = try String(contentsOfFile: workspace.path("password-command-env"), encoding: .utf8)
        for (name, value) in secrets {
            #expect(!dump.out.contains(name) && !dump.out.contains(value), "\(name) reached the dump")
            #expect(!commandEnvironment.contains(value), "\(name) reached the password command")
            #expect(!run.combined.contains(value), "\(name) was printed")
        }
    }
}
