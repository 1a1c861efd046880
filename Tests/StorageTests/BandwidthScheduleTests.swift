import Storage
import Testing

@Suite struct BandwidthScheduleTests {
    @Test func timetableRatesChangeAtTheirBoundaries() throws {
        let schedule = try BandwidthSchedule.parse("08:00-20:00 2MiB, 20:00-08:00 off")
        #expect(!schedule.isUnlimited)
        #expect(schedule.rate(atMinute: 7 * 60 + 59) == nil)
        #expect(schedule.rate(atMinute: 8 * 60) == 2 << 20)
        #expect(schedule.rate(atMinute: 19 * 60 + 59) == 2 << 20)
        #expect(schedule.rate(atMinute: 20 * 60) == nil)
        #expect(schedule.rate(atMinute: 0) == nil)
    }

    @Test func rangesWrapPastMidnightAndGapsAreUnlimited() throws {
        let schedule = try BandwidthSchedule.parse("22:00-06:00 1M,12:00-13:00 512")
        #expect(schedule.rate(atMinute: 21 * 60 + 59) == nil)
        #expect(schedule.rate(atMinute: 22 * 60) == 1 << 20)
        #expect(schedule.rate(atMinute: 1439) == 1 << 20)
        #expect(schedule.rate(atMinute: 0) == 1 << 20)
        #expect(schedule.rate(atMinute: 5 * 60 + 59) == 1 << 20)
        #expect(schedule.rate(atMinute: 6 * 60) == nil)
        #expect(schedule.rate(atMinute: 12 * 60 + 30) == 512 << 10)
        #expect(schedule.rate(atMinute: 13 * 60) == nil)
    }

    @Test func plainRatesAndOffHoldAllDay() throws {
        let constant = try BandwidthSchedule.parse("2MiB")
        #expect(constant.rate(atMinute: 0) == 2 << 20 && constant.rate(atMinute: 1439) == 2 << 20)
        #expect(try BandwidthSchedule.parse("off").isUnlimited)
        #expect(try BandwidthSchedule.parse("00:00-24:00 1M").rate(atMinute: 1439) == 1 << 20)
        #expect(try BandwidthSchedule.parse("08:00-20:00 off, 20:00-08:00 off").isUnlimited)
    }

    @Test func badTimetablesAreRefused() {
        let bad = [
            "08:00-20:00", "08:00 2M", "8:00-20:00 2M", "25:00-08:00 2M", "08:60-09:00 2M", "08:00-08:00 2M",
            "08:00-20:00 fast", "08:00-20:00 2M,", "24:00-08:00 1M", "+1:00-08:00 1M",
        ]
        for text in bad {
            #expect(throws: BandwidthSyntaxError.self, "\(text)") { try BandwidthSchedule.parse(text) }
        }
        let overlap = #expect(throws: BandwidthSyntaxError.self) { try BandwidthSchedule.parse("08:00-20:00 2M, 19:00-09:00 off") }
        #expect(overlap?.description.contains("entries 1 and 2 overlap at 08:00") == true)
    }
}
