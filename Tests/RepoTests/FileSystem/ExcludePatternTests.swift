import Testing
@testable import Repo

@Suite struct ExcludePatternTests {
    @Test func patternWithoutSlashMatchesNamesAtAnyDepth() {
        let pattern = ExcludePattern("*.log")
        #expect(pattern.matches(FilePath("/srv/app/x.log"), isDirectory: false))
        #expect(pattern.matches(FilePath("/srv/app/deep/er/y.log"), isDirectory: false))
        #expect(!pattern.matches(FilePath("/srv/app.log/x"), isDirectory: false))
        let modules = ExcludePattern("node_modules")
        #expect(modules.matches(FilePath("/home/u/project/node_modules"), isDirectory: true))
        #expect(!modules.matches(FilePath("/home/u/project/node_modules2"), isDirectory: true))
    }

    @Test func patternWithSlashMatchesTheWholePath() {
        let absolute = ExcludePattern("/srv/app/cache")
        #expect(absolute.matches(FilePath("/srv/app/cache"), isDirectory: true))
        #expect(!absolute.matches(FilePath("/other/srv/app/cache"), isDirectory: true))
        #expect(!absolute.matches(FilePath("/srv/app/cache2"), isDirectory: true))
        let relative = ExcludePattern("build/out")
        #expect(relative.matches(FilePath("build/out"), isDirectory: true))
        #expect(!relative.matches(FilePath("src/build/out"), isDirectory: true))
        let floating = ExcludePattern("**/build/out")
        #expect(floating.matches(FilePath("/srv/app/build/out"), isDirectory: true))
        #expect(floating.matches(FilePath("build/out"), isDirectory: true))
    }

    @Test func starDoesNotCrossDirectoriesInPaths() {
        let pattern = ExcludePattern("/srv/*.tmp")
        #expect(pattern.matches(FilePath("/srv/a.tmp"), isDirectory: false))
        #expect(!pattern.matches(FilePath("/srv/sub/a.tmp"), isDirectory: false))
        #expect(ExcludePattern("/srv/**.tmp").matches(FilePath("/srv/sub/a.tmp"), isDirectory: false))
    }

    @Test func trailingSlashMatchesOnlyDirectories() {
        let pattern = ExcludePattern("logs/")
        #expect(pattern.matches(FilePath("/var/app/logs"), isDirectory: true))
        #expect(!pattern.matches(FilePath("/var/app/logs"), isDirectory: false))
        let anchored = ExcludePattern("/var/app/")
        #expect(anchored.matches(FilePath("/var/app"), isDirectory: true))
    }

    @Test func matchingIsOnBytes() {
        let name: [UInt8] = [0x66, 0xFF, 0x6F]
        let pattern = ExcludePattern(bytes: name)
        #expect(pattern.matches(FilePath(bytes: Array("/d/".utf8) + name), isDirectory: false))
        #expect(!pattern.matches(FilePath("/d/f\u{FFFD}o"), isDirectory: false))
    }

    @Test func rulesExcludeWhenAnyPatternMatches() {
        let rules = ExcludeRules(patterns: [ExcludePattern("*.o"), ExcludePattern("/src/gen")])
        #expect(rules.excludes(FilePath("/src/a.o"), isDirectory: false))
        #expect(rules.excludes(FilePath("/src/gen"), isDirectory: true))
        #expect(!rules.excludes(FilePath("/src/a.c"), isDirectory: false))
        #expect(!ExcludeRules().excludes(FilePath("/anything"), isDirectory: false))
    }
}
