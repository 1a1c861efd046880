import Foundation
import Jobs
import Repo
import XCTest

/// Command sources: any program's standard output is the dump.
final class CommandEngineTests: XCTestCase {
    func engine(_ command: [String], restore: [String]? = nil, environment: [String: String]? = nil) -> any DatabaseEngine {
        let source = DatabaseSource(kind: .command, name: "turso", command: command, restoreCommand: restore)
        return DatabaseEngines.engine(for: source, environment: environment ?? ChildEnvironment.forChildren())
    }

    func testStandardOutputIsTheDump() throws {
        XCTAssertEqual(try DumpFiles.read(try engine(["sh", "-c", "printf 'hello\\n'"]).startDump()), Array("hello\n".utf8))
    }

    func testFailingOrMissingCommandFailsTheDump() throws {
        var message = assertDatabaseError(try DumpFiles.read(try engine(["sh", "-c", "echo partial; echo 'out of tokens' >&2; exit 3"]).startDump())) {
            if case .dumpFailed("turso", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("status 3") && message.contains("out of tokens"), message)
        assertDatabaseError(try DumpFiles.read(try engine(["false"]).startDump())) {
            if case .dumpFailed("turso", _) = $0 { return true } else { return false }
        }
        message = assertDatabaseError(try DumpFiles.read(try engine(["no-such-dump-tool"]).startDump())) {
            if case .dumpFailed("turso", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("cannot run no-such-dump-tool"), message)
    }

    func testReaderThatStopsEarlyGetsAFailedDump() throws {
        let stream = try engine(["sh", "-c", "yes dump | head -c 10000000"]).startDump()
        assertDatabaseError(try stream.finish()) { if case .dumpFailed = $0 { return true } else { return false } }
    }

    func testRestoreIntoAFile() throws {
        let directory = try DumpFiles.temporaryDirectory(self)
        let target = directory + "/restored.dump"
        let engine = engine(["true"])
        try engine.restore(into: target, replace: false, writeDump: DumpFiles.writer(Array("first\n".utf8)))
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "first\n")
        assertDatabaseError(try engine.restore(into: target, replace: false, writeDump: DumpFiles.writer(Array("second\n".utf8)))) {
            if case .targetNotEmpty(target) = $0 { return true } else { return false }
        }
        XCTAssertEqual(chmod(target, 0o640), 0)
        try engine.restore(into: target, replace: true, writeDump: DumpFiles.writer(Array("second\n".utf8)))
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "second\n")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int, 0o640, "the replaced file's mode is kept")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["restored.dump"])
        assertDatabaseError(try engine.query("SELECT 1", in: target)) { if case .misconfigured = $0 { return true } else { return false } }
        try engine.drop(target)
        XCTAssertEqual(try engine.targetState(target), .missing)
    }

    func testFullDiskNamesTheTargetAndLeavesNothing() throws {
        let directory = try DumpFiles.temporaryDirectory(self)
        let target = directory + "/restored.dump"
        let message = assertDatabaseError(try engine(["true"]).restore(into: target, replace: false) { _ in throw POSIXError(.ENOSPC) }) {
            if case .restoreFailed(target, _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("No space left on device"), message)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
    }

    func testRestoreCommandGetsTheDumpAndTheTarget() throws {
        let directory = try DumpFiles.temporaryDirectory(self)
        let target = directory + "/through command"
        let engine = engine(["true"], restore: ["sh", "-c", "cat > \"$1\"", "sh", "{target}"])
        try engine.restore(into: target, replace: false, writeDump: DumpFiles.writer(Array("payload".utf8)))
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "payload")

        let failing = self.engine(["true"], restore: ["sh", "-c", "cat > /dev/null; echo 'import rejected' >&2; exit 2"])
        let message = assertDatabaseError(try failing.restore(into: "db", replace: false, writeDump: DumpFiles.writer(Array(repeating: 1, count: 1 << 20)))) {
            if case .restoreFailed("db", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("import rejected"), message)
    }

    func testSecretsNeverReachTheCommand() throws {
        var base = ProcessInfo.processInfo.environment
        base["REPO_PASSWORD"] = "hunter2-password"
        base["AWS_SECRET_ACCESS_KEY"] = "aws-secret-key"
        base["REPO_SECRET_TOKEN"] = "another-secret"
        base["DUMP_SETTING"] = "kept"
        let output = String(decoding: try DumpFiles.read(try engine(["env"], environment: base).startDump()), as: UTF8.self)
        XCTAssertTrue(output.contains("DUMP_SETTING=kept"))
        for secret in ["hunter2-password", "aws-secret-key", "another-secret", "REPO_PASSWORD", "AWS_SECRET_ACCESS_KEY"] {
            XCTAssertFalse(output.contains(secret), "\(secret) reached the dump command")
        }
    }
}
