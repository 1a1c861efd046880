/// A bounded set of open handles (files, directories) by number: the least recently used
/// one goes when a new one would exceed the capacity. Letting go of a handle closes it once
/// nobody else holds it (`OwnedDescriptor`), so a thread still writing through an evicted
/// handle is safe. A process may hold only so many descriptors, and a restore has far more
/// files and directories than that.
///
/// Not thread-safe: owners guard it with their lock.
struct HandleCache<Handle: AnyObject> {
    private var handles: [Int32: (handle: Handle, used: UInt64)] = [:]
    private var tick: UInt64 = 0
    private let capacity: Int
    /// Never evicted (the restore target).
    private let pinned: Int32?

    init(capacity: Int, pinned: Int32? = nil) {
        self.capacity = max(1, capacity)
        self.pinned = pinned
    }

    mutating func get(_ number: Int32) -> Handle? {
        guard let found = handles[number] else { return nil }
        tick += 1
        handles[number] = (found.handle, tick)
        return found.handle
    }

    mutating func insert(_ handle: Handle, _ number: Int32) {
        if handles[number] == nil && handles.count >= capacity {
            var oldest: (key: Int32, used: UInt64)?
            for (key, value) in handles where key != pinned && value.used < (oldest?.used ?? .max) {
                oldest = (key, value.used)
            }
            if let oldest { handles[oldest.key] = nil }
        }
        tick += 1
        handles[number] = (handle, tick)
    }

    mutating func remove(_ number: Int32) {
        handles[number] = nil
    }
}
