// swift-tools-version:6.0
// The repo package: a content-addressed, deduplicating, encrypted backup repository.
// No Swift package dependencies by design: Foundation, Dispatch and the system C
// libraries zlib, zstd, OpenSSL (libcrypto; libssl for TLS to object stores) and SQLite
// (Debian: zlib1g-dev, libzstd-dev, libssl-dev, libsqlite3-dev) reached through the
// system-library targets below.
import PackageDescription

let optimize: [SwiftSetting] = [
    // Hot loops index unsafe buffers; exclusivity checks there cost more than they catch.
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "repo",
    products: [
        .executable(name: "repo", targets: ["cli"]),
        .executable(name: "repo-bench", targets: ["repo-bench"]),
    ],
    targets: [
        // System C libraries.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLibCrypto", path: "Sources/CLibCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLibSSL", path: "Sources/CLibSSL", pkgConfig: "libssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),

        // The system calls: one descriptor type, one EINTR helper, one errno error.
        .target(name: "Posix"),

        // Building blocks that know nothing of repositories.
        .target(name: "Chunker", dependencies: ["Posix"], swiftSettings: optimize),
        .target(name: "Crypto", dependencies: ["CLibCrypto"], swiftSettings: optimize),
        .target(name: "Codec", dependencies: ["CZlib", "CZstd"], swiftSettings: optimize),
        // The one worker pool, pipeline queue and cancellation (signals stop work at safe points).
        .target(name: "Workers", swiftSettings: optimize),

        // Where objects are kept: the backends (local directory, S3 over its own HTTP/TLS
        // client, memory); knows nothing of snapshots, packs, indexes or keys.
        .target(name: "Storage", dependencies: ["Posix", "Workers", "Crypto", "CLibSSL"], swiftSettings: optimize),

        // The repository: format, archiver, restorer, prune, check, on top of a storage backend.
        .target(name: "Repo", dependencies: ["Posix", "Storage", "Workers", "Chunker", "Crypto", "Codec", "CSQLite"],
                swiftSettings: optimize),

        // The job file's syntax: a small, strict TOML reader that knows nothing of jobs.
        .target(name: "TOML"),

        // Around the core: job files, database sources and restores, `repo run`, drills.
        .target(name: "Jobs", dependencies: ["Posix", "Storage", "Repo", "TOML", "Workers", "CSQLite"]),

        // The `repo` executable: argument parsing and presentation only.
        .executableTarget(name: "cli", dependencies: ["Posix", "Crypto", "Storage", "Repo", "Codec", "Jobs", "TOML", "Workers"]),

        // Micro-benchmarks: `swift run -c release repo-bench`.
        .executableTarget(name: "repo-bench", dependencies: ["Chunker", "Crypto", "Codec", "Storage", "Repo"],
                          path: "Benchmarks/repo-bench", swiftSettings: optimize),

        // Helpers shared by the test targets: the seeded generator, starting child processes
        // (posix_spawn), and the loopback HTTP, moto server and fault proxy helpers for S3 and
        // notification tests.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ChunkerTests", dependencies: ["Chunker"]),
        .testTarget(name: "WorkersTests", dependencies: ["Workers"]),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto", "TestSupport"]),
        .testTarget(name: "CodecTests", dependencies: ["Codec", "CZstd", "TestSupport"]),
        // The storage layer's tests: backend conformance, local, memory, S3 (moto), HTTP/TLS.
        .testTarget(name: "StorageTests", dependencies: ["Posix", "Storage", "TestSupport"]),
        .testTarget(name: "RepoTests", dependencies: ["Posix", "Storage", "Repo", "TestSupport"]),
        .testTarget(name: "TOMLTests", dependencies: ["TOML", "TestSupport"]),
        // Throwaway PostgreSQL and MariaDB servers that tests start and stop themselves.
        .target(name: "DatabaseServers", dependencies: ["TestSupport"], path: "Tests/DatabaseServers"),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "Storage", "Repo", "DatabaseServers", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["DatabaseServers", "TestSupport"], path: "Tests/EndToEndTests"),
    ]
)
