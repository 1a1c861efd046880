import Storage
import Testing

@Suite struct BandwidthRateTests {
    @Test func ratesAreReadInKiBOrWithUnits() throws {
        let cases: [(String, Int)] = [
            ("500", 512_000), ("500K", 512_000), ("500KiB", 512_000), ("2MiB", 2 << 20), ("2m", 2 << 20),
            ("1.5M", 1_572_864), ("1G", 1 << 30), ("10Mbit", 1_250_000), ("800kbit", 100_000),
            ("1MB", 1_000_000), ("2 MiB/s", 2 << 20), (" 64K/s ", 65_536), ("1", 1024),
        ]
        for (text, bytes) in cases {
            #expect(try BandwidthRate.parse(text) == bytes, "\(text)")
        }
    }

    @Test func badRatesAreRefusedWithTheText() {
        for bad in ["", "abc", "-5", "0", "0.5", "5T", "1e3", "2MiBs", "MiB", "1..2M", "2 M iB", "2000000G"] {
            #expect(throws: BandwidthSyntaxError.self, "\(bad)") { try BandwidthRate.parse(bad) }
        }
        let error = #expect(throws: BandwidthSyntaxError.self) { try BandwidthRate.parse("0") }
        #expect(error?.description.contains("1 KiB/s to 1 TiB/s") == true)
        #expect(error?.description.contains("off") == true)
    }
}
