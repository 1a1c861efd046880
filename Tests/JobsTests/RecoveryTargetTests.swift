import Foundation
@testable import Jobs
import Testing

/// What `repo pg restore` tells PostgreSQL: the target in UTC, and a restore_command that
/// passes on the password's source, never the password.
struct RecoveryTargetTests {
    @Test func timesCarryTheirOffsetIntoUTC() {
        #expect(RecoveryTarget.time("2026-12-07 03:14:00+01") == .time(text: "2026-12-07 02:14:00.000000+00",
                                                                       date: Date(timeIntervalSince1970: 1_796_609_640)))
        guard case .time(let text, _)? = RecoveryTarget.time("2026-12-07T03:14:00.25Z") else { Issue.record("no time"); return }
        #expect(text == "2026-12-07 03:14:00.250000+00")
        guard case .time(let utc, _)? = RecoveryTarget.time("2026-12-07 03:14:00 -05:30") else { Issue.record("no time"); return }
        #expect(utc == "2026-12-07 08:44:00.000000+00")
        for bad in ["yesterday", "2026-12-07", "2026-12-07 03:14:00 CET", "2026-13-07 03:14:00"] {
            #expect(RecoveryTarget.time(bad) == nil, "\(bad)")
        }
        #expect(RecoveryTarget.lsn("0/3000060") == .lsn(text: "0/3000060", position: 0x3000060))
        #expect(RecoveryTarget.lsn("3000060") == nil)
    }

    @Test func theRestoreCommandNamesThePasswordSource() {
        let file = PointInTimeRestore.restoreCommand(executable: "/usr/local/bin/repo", location: "/backups/db 1",
                                                     passwordOption: ("--password-file", "/etc/repo/pw"))
        #expect(file == "/usr/local/bin/repo wal fetch --repo '/backups/db 1' --password-file /etc/repo/pw %f %p")
        let command = PointInTimeRestore.restoreCommand(executable: "/usr/local/bin/repo", location: "s3:https://s3.example/b/p",
                                                        passwordOption: ("--password-command", "pass show 'repo db'"))
        #expect(command == "/usr/local/bin/repo wal fetch --repo s3:https://s3.example/b/p --password-command 'pass show '\\''repo db'\\''' %f %p")
        let placeholder = PointInTimeRestore.restoreCommand(executable: "/usr/local/bin/repo", location: "/b", passwordOption: nil)
        #expect(placeholder.hasSuffix("--password-file PASSWORD_FILE %f %p"))
    }
}
