/// The kind of data a file or stream holds; it picks the chunk sizes
/// (`RepositoryParameters.chunking(for:)`). The choice affects only deduplication, never
/// what a reader needs. The archiver decides it from the first bytes (`ContentClass+Sample`).
public enum ContentClass: Sendable, CaseIterable {
    /// Compressible data: logs, source, documents.
    case text
    /// A database dump (`DumpDetector`): text that changes by scattered row edits.
    case dump
    /// Incompressible data: media, archives, compressed or encrypted files.
    case binary
}
