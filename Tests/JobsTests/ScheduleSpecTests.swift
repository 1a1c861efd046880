import XCTest
@testable import Jobs

/// `--at` texts: each form as an OnCalendar expression and as cron fields, and the
/// mistakes rejected with the accepted forms.
final class ScheduleSpecTests: XCTestCase {
    private func rendered(_ text: String) throws -> (String, String) {
        let spec = try ScheduleSpec.parse(text)
        return (spec.onCalendar, try spec.cron().description)
    }

    func testEveryFormRendersBothWays() throws {
        let cases: [(String, String, String)] = [
            ("daily 03:00", "*-*-* 03:00:00", "0 3 * * *"),
            ("daily 3:07", "*-*-* 03:07:00", "7 3 * * *"),
            ("hourly", "*-*-* *:00:00", "0 * * * *"),
            ("every 6h", "*-*-* 00/6:00:00", "0 */6 * * *"),
            ("every 2h", "*-*-* 00/2:00:00", "0 */2 * * *"),
            ("every 30m", "*-*-* *:00/30:00", "*/30 * * * *"),
            ("every 15m", "*-*-* *:00/15:00", "*/15 * * * *"),
            ("weekly sun 04:00", "Sun *-*-* 04:00:00", "0 4 * * 0"),
            ("weekly Saturday 23:59", "Sat *-*-* 23:59:00", "59 23 * * 6"),
            ("monthly 1 04:00", "*-*-01 04:00:00", "0 4 1 * *"),
            ("monthly 31 12:30", "*-*-31 12:30:00", "30 12 31 * *"),
            ("  Daily 03:00 ", "*-*-* 03:00:00", "0 3 * * *"),
        ]
        for (text, onCalendar, cron) in cases {
            let (gotCalendar, gotCron) = try rendered(text)
            XCTAssertEqual(gotCalendar, onCalendar, text)
            XCTAssertEqual(gotCron, cron, text)
        }
    }

    func testRawCalendarExpressionsTranslateToCron() throws {
        let cases: [(String, String)] = [
            ("*-*-* 03:00:00", "0 3 * * *"),
            ("Mon..Fri *-*-* 02:30:00", "30 2 * * 1-5"),
            ("Mon..Fri *-*-* 09:00/15:00", "0-59/15 9 * * 1-5"),
            ("Sat,Sun *-*-* 10:00", "0 10 * * 6,0"),
            ("*-01,07-01 00:00:00", "0 0 1 1,7 *"),
            ("*-*-* *:0/10:00", "0-59/10 * * * *"),
            ("*-*-* 00/6:00:00", "0 0-23/6 * * *"),
            ("*-*-* 02..04:15:00", "15 2-4 * * *"),
        ]
        for (expression, cron) in cases {
            let spec = try ScheduleSpec.parse(expression)
            XCTAssertEqual(spec, .calendar(expression))
            XCTAssertEqual(try spec.cron().description, cron, expression)
        }
        // systemd's normalized form is what gets translated when it is at hand.
        XCTAssertEqual(try ScheduleSpec.parse("Mon..Fri 2:30").cron(normalized: "Mon..Fri *-*-* 02:30:00").description, "30 2 * * 1-5")
    }

    func testRawExpressionsCronCannotHoldAreRefused() {
        for expression in ["2027-*-* 03:00:00", "*-*-* 03:00:30", "*-*~01 03:00:00", "*-*-* 03:00:00 Europe/Berlin"] {
            XCTAssertThrowsError(try ScheduleSpec.parse(expression).cron(), expression) { error in
                guard case ScheduleError.notCronExpressible = error else { return XCTFail("\(expression): \(error)") }
                XCTAssertTrue("\(error)".contains("cannot be written as a cron schedule"), "\(error)")
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
    }

    func testBadSpecsNameTheAcceptedForms() {
        for text in ["", "daily", "daily 25:00", "daily 3", "daily 03:00 extra", "hourly 5", "every 7h", "every 45m", "every 0h",
                     "every soon", "weekly 04:00", "weekly funday 04:00", "monthly 0 04:00", "monthly 32 04:00", "nightly", "sometimes"] {
            XCTAssertThrowsError(try ScheduleSpec.parse(text), text) { error in
                guard case ScheduleError.badSpec = error else { return XCTFail("\(text): \(error)") }
                let message = "\(error)"
                XCTAssertTrue(message.contains("accepted: `daily HH:MM`"), message)
                XCTAssertFalse(message.contains("\n"), message)
                XCTAssertTrue((error as? ScheduleError)?.isCommandLineMistake == true)
            }
        }
    }

    func testSystemdJudgesRawExpressions() throws {
        let calendar = SystemdCalendar()
        guard calendar.tool != nil else {
            return XCTFail("systemd-analyze is missing: run scripts/setup.sh (it installs systemd for these tests)")
        }
        XCTAssertEqual(try calendar.analyze("Mon..Fri 2:30")?.normalized, "Mon..Fri *-*-* 02:30:00")
        XCTAssertNotNil(try calendar.analyze("daily")?.nextElapse)
        XCTAssertThrowsError(try calendar.analyze("*-*-* 25:00")) { error in
            guard case ScheduleError.badSpec = error else { return XCTFail("\(error)") }
        }
    }

    func testJobNamesAreChecked() {
        for name in ["nightly", "web-1", "db_main", "v2.daily"] {
            XCTAssertNoThrow(try ScheduledCommand(job: name, drill: false, executable: "/usr/bin/repo", config: "/etc/repo/jobs.toml"))
        }
        for name in ["", "a b", "../x", "a/b", "x;rm", "..", "é"] {
            XCTAssertThrowsError(try ScheduledCommand(job: name, drill: false, executable: "/r", config: "/c"), name)
        }
    }
}
