import Foundation
import Testing

/// `repo init --compression`: the chosen algorithm and level are kept, the repository
/// round-trips, and bad values are usage errors that create nothing.
@Suite struct CompressionTests {
    /// A small tree with compressible text, incompressible bytes and zeros.
    static func makeSource(in workspace: Workspace) throws -> String {
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        let line = Array("INSERT INTO orders VALUES (42, 'alpha beta', 'Berlin', 'shipped', 17.50);\n".utf8)
        try FS.writeFile(Array((source + "/dump.sql").utf8), Array(repeatElement(line, count: 3000).joined()))
        try FS.writeFile(Array((source + "/random.bin").utf8), (0..<200_000).map { _ in UInt8.random(in: 0...255) })
        try FS.writeFile(Array((source + "/zeros").utf8), [UInt8](repeating: 0, count: 100_000))
        return source
    }

    @Test(arguments: [(["--compression", "zlib:6"], "zlib", 6), (["--compression", "zstd:1"], "zstd", 1),
                      (["--compression", "zstd"], "zstd", 3), (["--compression", "zlib"], "zlib", 2), ([], "zstd", 3)])
    func initWithCompressionRoundTrips(options: [String], algorithm: String, level: Int) throws {
        let workspace = try Workspace("compression")
        defer { workspace.remove() }
        let initialized = try workspace.repo(["init", "--json"] + options)
        #expect(initialized.status == 0, "\(initialized)")
        #expect(initialized.object["compression"] as? String == algorithm, "\(initialized)")
        #expect(int(initialized.object, "compression_level") == level, "\(initialized)")

        let source = try Self.makeSource(in: workspace)
        let snapshot = try workspace.repo("snapshot", source)
        #expect(snapshot.status == 0, "\(snapshot)")
        let stats = try workspace.repo("stats", "--json")
        #expect((double(stats.object, "compression_ratio") ?? 0) > 1.5, "text and zeros are compressed: \(stats)")

        try expectLatestRestoresAndChecks(workspace, source: source)
    }

    @Test func textOutputNamesTheCompression() throws {
        let workspace = try Workspace("compression-text")
        defer { workspace.remove() }
        let initialized = try workspace.repo("init", "--compression", "zlib:6")
        #expect(initialized.status == 0, "\(initialized)")
        #expect(initialized.out.contains("compression zlib:6"), "\(initialized)")
    }

    @Test(arguments: ["lz4", "zstd:0", "zstd:20", "zstd:-8", "zlib:10", "zlib:0", "zstd:fast", "zstd:", "ZLIB", ""])
    func badCompressionIsAUsageErrorAndCreatesNothing(value: String) throws {
        let workspace = try Workspace("compression-bad")
        defer { workspace.remove() }
        let result = try workspace.repo("init", "--compression", value)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderrLines.first?.contains("--compression") == true, "\(result)")
        #expect(result.err.contains(value.debugDescription), "names the value: \(result)")
        #expect(result.err.contains("zstd") && result.err.contains("zlib"), "lists the algorithms: \(result)")
        #expect(!FS.exists(Array(workspace.repository.utf8)), "no repository is created: \(result)")
    }

    @Test func helpDescribesTheFlag() throws {
        let workspace = try Workspace("compression-help")
        defer { workspace.remove() }
        let help = try workspace.repo("init", "--help")
        #expect(help.status == 0, "\(help)")
        #expect(help.out.contains("--compression"), "\(help)")
        #expect(help.out.contains("zstd") && help.out.contains("zlib"), "\(help)")
    }
}
