/// The kind of data a file or stream holds; it picks the chunk sizes
/// (`RepositoryParameters.chunking(for:)`). The choice affects only deduplication, never
/// what a reader needs. The archiver decides it from the first bytes (`ContentClass+Sample`).
public enum ContentClass: Sendable, CaseIterable {
    /// Compressible data without NUL bytes: logs, source, documents.
    case text
    /// Compressible data with NUL bytes: executables and shared libraries (ELF, Mach-O),
    /// compiled modules (`.swiftmodule`), other structured binary formats. They change
    /// whole (a rebuild) rather than by scattered edits, so small chunks buy no
    /// deduplication and only cost compression (each chunk is compressed alone).
    case compressibleBinary
    /// A database dump (`DumpDetector`) whose start compresses less than
    /// `repetitiveDumpRatio` to one: varied rows, where scattered row edits each cost a chunk.
    case dump
    /// A database dump whose start compresses at least `repetitiveDumpRatio` to one
    /// (padded or repeated columns): a chunk compresses far better the larger it is.
    case repetitiveDump
    /// Incompressible data: media, archives, compressed or encrypted files.
    case binary
}
