import Foundation

/// glibc allocator settings for a process that allocates and frees pack-sized buffers.
enum MemoryTuning {
    /// Buffers of 1 MiB and more always come from mmap and go back to the system when
    /// freed. Left to glibc's adaptive threshold, they move onto the heap after the first
    /// free, where small allocations in between pin them and the peak keeps growing.
    ///
    /// Setting the threshold also fixes glibc's trim threshold at 128 KiB, so every freed
    /// batch of chunks (256 KiB, made by the reader, freed by a worker) at the top of the
    /// heap went back to the kernel and the next one faulted in zeroed pages again: 3% of a
    /// snapshot's CPU. Up to 4 MiB of free heap is kept instead.
    /// (`mallopt` is not in Swift's Glibc module, so it is looked up; M_MMAP_THRESHOLD is -3,
    /// M_TRIM_THRESHOLD -1.)
    static func apply() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        _ = mallopt(-3, 1 << 20)
        _ = mallopt(-1, 4 << 20)
    }
}
