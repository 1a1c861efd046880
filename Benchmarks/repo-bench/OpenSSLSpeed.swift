import Foundation

/// The same machine's `openssl speed` figure for a primitive, measured in the same run,
/// so our numbers can be read as a ratio to what libcrypto's own driver reaches.
enum OpenSSLSpeed {
    /// MB/s (10^6) at `bufferSize`, the best of `rounds` runs as for our own figures, or nil
    /// when openssl is missing or says nothing useful.
    static func measure(_ arguments: [String], bufferSize: Int, seconds: Int, rounds: Int) -> Double? {
        (0..<rounds).compactMap { _ in measureOnce(arguments, bufferSize: bufferSize, seconds: seconds) }.max()
    }

    private static func measureOnce(_ arguments: [String], bufferSize: Int, seconds: Int) -> Double? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // openssl speed divides by user CPU time, as our Stopwatch does.
        process.arguments = ["openssl", "speed", "-mr"] + arguments + ["-bytes", "\(bufferSize)", "-seconds", "\(seconds)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        // Machine-readable lines look like "+F:25:sha256:1493426424.24" (bytes per second).
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("+F:") {
            if let rate = line.split(separator: ":").last.flatMap({ Double($0) }) { return rate / 1e6 }
        }
        return nil
    }

    static let sha256 = ["-evp", "sha256"]
    static let hmacSHA256 = ["-hmac", "sha256"]
    static let aes256GCM = ["-evp", "aes-256-gcm"]
}
