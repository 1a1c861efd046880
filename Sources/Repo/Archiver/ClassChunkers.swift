import Chunker

/// The chunker of each content class, as the repository's parameters say
/// (`RepositoryParameters.chunking(for:)`). Classes with the same chunking share one
/// chunker: each owns a read buffer of twice its maximum chunk. Not thread-safe (the
/// chunkers are not).
final class ClassChunkers {
    private let chunkers: [ContentClass: StreamChunker]

    init(_ parameters: RepositoryParameters, gear: GearTable) throws {
        var byChunking: [RepositoryParameters.Chunking: StreamChunker] = [:]
        var chunkers: [ContentClass: StreamChunker] = [:]
        for contentClass in ContentClass.allCases {
            let chunking = parameters.chunking(for: contentClass)
            if let shared = byChunking[chunking] {
                chunkers[contentClass] = shared
            } else {
                let chunker = StreamChunker(parameters: try chunking.parameters(), gear: gear)
                byChunking[chunking] = chunker
                chunkers[contentClass] = chunker
            }
        }
        self.chunkers = chunkers
    }

    subscript(contentClass: ContentClass) -> StreamChunker { chunkers[contentClass]! }
}
