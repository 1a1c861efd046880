import Foundation
import Testing

/// Every option line of every command's help keeps at least two spaces between the option
/// (with its value) and its help: `--keep-within-monthly DURATIONkeep` once ran together.
@Suite struct HelpLayoutTests {
    @Test func noOptionIsGluedToItsHelp() throws {
        let workspace = try Workspace("help-layout")
        defer { workspace.remove() }
        let overview = try workspace.repo("--help")
        #expect(overview.status == 0, "\(overview)")
        var pages: [([String], RunResult)] = [([], overview)]
        for command in Self.names(in: overview.out, after: "commands:") {
            let page = try workspace.repo(command, "--help")
            pages.append(([command], page))
            for sub in Self.names(in: page.out, after: "subcommands:") {
                pages.append(([command, sub], try workspace.repo(command, sub, "--help")))
            }
        }
        #expect(pages.count > 15, "every command's help was read: \(pages.map(\.0))")
        // An option, an optional value in capitals, then two spaces before the help.
        let optionLine = try NSRegularExpression(pattern: #"^  (-., |    )--[a-z0-9-]+( [A-Z][A-Z0-9_\[\]:.]*)?  +\S"#)
        for (command, page) in pages {
            #expect(page.status == 0, "\(page)")
            for line in page.stdoutLines where line.hasPrefix("  -") || line.hasPrefix("      --") {
                let matched = optionLine.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
                #expect(matched, "repo \(command.joined(separator: " ")) --help: option glued to its help: \(line)")
            }
        }
    }

    /// The first word of each indented line under `heading`, up to the next blank line.
    private static func names(in help: String, after heading: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: Substring(heading)) else { return [] }
        return lines[(start + 1)...].prefix { !$0.isEmpty }.compactMap { $0.split(separator: " ").first.map(String.init) }
    }
}
