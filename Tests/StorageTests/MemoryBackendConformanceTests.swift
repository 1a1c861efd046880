import Storage
import Testing

/// The backend conformance suite against `MemoryBackend`, whole objects only and with
/// streams, each check on a fresh, empty backend.
@Test(arguments: BackendConformance.Check.allCases, [false, true])
func memoryBackendConforms(_ check: BackendConformance.Check, streams: Bool) throws {
    try BackendConformance(makeBackend: { MemoryBackend(streams: streams) }).run(check)
}
