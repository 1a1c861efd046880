/// What a ``BlobCompressor`` did with the chunks it encoded: how often the
/// incompressibility probe spared a full compression, and how much was saved.
public struct CodecStatistics: Sendable, Equatable {
    /// Chunks encoded.
    public var chunks = 0
    /// Chunks stored as is because the sample did not shrink (no full attempt made).
    public var storedBySample = 0
    /// Chunks stored as is after a full compression attempt saved too little.
    public var storedAfterAttempt = 0
    /// Chunks stored compressed.
    public var compressed = 0
    /// Input bytes.
    public var inputBytes = 0
    /// Frame bytes produced, headers included.
    public var outputBytes = 0

    public init() {}
}
