import Foundation
import Testing

/// `repo init --dump-chunk-size`: dumps get the chosen chunks, other text keeps its own,
/// and bad values are usage errors that create nothing.
@Suite struct DumpChunkSizeTests {
    @Test(arguments: [([String](), 8192), (["--dump-chunk-size", "4"], 4096), (["--dump-chunk-size", "64"], 65536)])
    func initRecordsTheDumpChunkSize(options: [String], average: Int) throws {
        let workspace = try Workspace("dump-chunks")
        defer { workspace.remove() }
        let initialized = try workspace.repo(["init", "--json"] + options)
        #expect(initialized.status == 0, "\(initialized)")
        #expect(int(initialized.object, "dump_chunk_size") == average, "\(initialized)")
    }

    /// The same dump stored in a repository with 4 KiB dump chunks takes more, smaller
    /// blobs than in one with the default, and restores byte for byte.
    @Test func smallerDumpChunksMakeMoreBlobs() throws {
        var blobs: [Int] = []
        for options in [[String](), ["--dump-chunk-size", "4"]] {
            let workspace = try Workspace("dump-chunks-blobs")
            defer { workspace.remove() }
            #expect(try workspace.repo(["init"] + options).status == 0)
            let source = try Self.makeDump(in: workspace)
            let snapshot = try workspace.repo("snapshot", "--json", source)
            #expect(snapshot.status == 0, "\(snapshot)")
            let summary = snapshot.object["summary"] as? [String: Any] ?? snapshot.object
            blobs.append(int(summary, "blobs_added") ?? 0)
            try expectLatestRestoresAndChecks(workspace, source: source)
        }
        #expect(blobs[1] > blobs[0] + 20, "blobs added: \(blobs)")
    }

    /// A plain pg_dump of 20,000 different rows (1.4 MB).
    static func makeDump(in workspace: Workspace) throws -> String {
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        var text = "--\n-- PostgreSQL database dump\n--\n\nCOPY public.orders (id, customer, city, total) FROM stdin;\n"
        for row in 0..<20_000 { text += "\(row)\tcustomer \(row * 7919 % 10007)\tcity \(row % 97)\t\(row % 1000).\(row % 100)\n" }
        text += "\\.\n"
        try FS.writeFile(Array((source + "/app.sql").utf8), Array(text.utf8))
        return source
    }

    @Test(arguments: ["3", "0", "2048", "x", "-4"])
    func badSizesAreUsageErrorsAndCreateNothing(value: String) throws {
        let workspace = try Workspace("dump-chunks-bad")
        defer { workspace.remove() }
        let result = try workspace.repo("init", "--dump-chunk-size", value)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderrLines.first?.contains("--dump-chunk-size") == true, "\(result)")
        #expect(!FS.exists(Array(workspace.repository.utf8)), "no repository is created: \(result)")
    }
}
