import Foundation

/// glibc allocator settings for a process that allocates and frees pack-sized buffers.
enum MemoryTuning {
    /// Buffers of 1 MiB and more always come from mmap and go back to the system when
    /// freed. Left to glibc's adaptive threshold, they move onto the heap after the first
    /// free, where small allocations in between pin them and the peak keeps growing.
    /// (`mallopt` is not in Swift's Glibc module, so it is looked up; M_MMAP_THRESHOLD is -3.)
    static func apply() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        _ = mallopt(-3, 1 << 20)
    }
}
