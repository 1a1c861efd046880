/// A new object written piece by piece and named only when it is complete: a pack is
/// named by the hash of its bytes, which is known only after the last one.
///
/// Nothing is visible under any name until `commit`, which has `Backend.write`'s
/// guarantee: the whole object or nothing, durable once it returns. A stream that is
/// neither committed nor discarded (a crash) leaves a temporary that
/// `Backend.removeIncompleteWrites` removes. Not thread-safe: one writer owns a stream.
public protocol ObjectStream: AnyObject {
    /// Adds bytes at the end of the object.
    func append(_ bytes: UnsafeRawBufferPointer) throws(BackendError)

    /// Stores what was appended as `name`. The stream must not be used afterwards.
    func commit(as name: ObjectName) throws(BackendError)

    /// Throws away what was appended. Harmless after `commit` or a failure.
    func discard()
}
