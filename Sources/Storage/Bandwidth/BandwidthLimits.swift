/// The upload and download limiters of a process. `process` is the one every object-store
/// connection uses unless told otherwise, so that two repositories opened by one command
/// (a copy) share the limit.
public final class BandwidthLimits: Sendable {
    public let upload: BandwidthLimiter
    public let download: BandwidthLimiter

    public static let process = BandwidthLimits()

    public init(upload: BandwidthSchedule = .unlimited, download: BandwidthSchedule = .unlimited,
                clock: any BandwidthClock = SystemBandwidthClock()) {
        self.upload = BandwidthLimiter(upload, clock: clock)
        self.download = BandwidthLimiter(download, clock: clock)
    }

    public var isLimited: Bool { upload.isLimited || download.isLimited }
}
