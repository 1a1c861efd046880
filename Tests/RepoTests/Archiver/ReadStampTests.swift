@testable import Repo
import Testing

/// D6: a file that changes while it is read is detected from its status before and after.
@Suite struct ReadStampTests {
    @Test func anyChangeOrShortReadIsDetected() {
        let time = Timestamp(seconds: 1_700_000_000, nanoseconds: 5)
        let later = Timestamp(seconds: 1_700_000_001, nanoseconds: 0)
        let before = ReadStamp(size: 30_000_000, mtime: time, ctime: time)
        #expect(!ReadStamp.changed(before: before, after: before, length: 30_000_000))
        #expect(ReadStamp.changed(before: before, after: before, length: 23_510_351), "a short read")
        #expect(ReadStamp.changed(before: before, after: before, length: 30_000_001), "a long read")
        var truncated = before
        truncated.size = 7_000_000
        #expect(ReadStamp.changed(before: before, after: truncated, length: 30_000_000), "the size changed")
        var touched = before
        touched.mtime = later
        #expect(ReadStamp.changed(before: before, after: touched, length: 30_000_000), "rewritten in place")
        var changed = before
        changed.ctime = later
        #expect(ReadStamp.changed(before: before, after: changed, length: 30_000_000), "the mtime was put back")
        #expect(ReadStamp.changed(before: nil, after: before, length: 30_000_000), "no status: not trusted")
    }
}
