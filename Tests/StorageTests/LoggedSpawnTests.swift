import Foundation
import Posix
import Testing

/// `LoggedSpawn` as `pg_ctl start` needs it: a program that leaves a child running behind
/// it must not keep any descriptor of ours open, or a reader of ours never sees its end.
struct LoggedSpawnTests {
    @Test func aChildLeftRunningHoldsNoDescriptorOfOurs() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)  // not close-on-exec, as some of Foundation's are not
        defer { close(ends[0]) }
        let log = NSTemporaryDirectory() + "/logged-spawn-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = try LoggedSpawn.run(["/bin/sh", "-c", "echo started; echo oops >&2; sleep 5 & exit 3"],
                                         environment: ["PATH": "/usr/bin:/bin"], log: log)
        #expect(status == 3)
        close(ends[1])
        let start = Date()
        var byte: UInt8 = 0
        #expect(read(ends[0], &byte, 1) == 0, "end of the pipe")
        #expect(Date().timeIntervalSince(start) < 2, "the sleep left running held our pipe")
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "started\noops\n")
    }
}
