import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// End-to-end tests of `repo prune` and `repo forget --prune`: space is freed with nothing
// lost, a dry run changes nothing, a prune killed at any moment is harmless, locks keep
// prune and snapshot apart, copies stored twice are reclaimed, and a lock that may still be
// live defers deletion. One suite a file (Prune*Tests.swift), each nested in this one so
// that they run one after another: some of them time SIGKILLs, and all of them move tens
// of megabytes. Their helpers are in PruneSupport.swift.
@Suite(.serialized) struct PruneTests {}
