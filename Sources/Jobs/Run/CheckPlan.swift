import Foundation
import Repo

/// What a run's check of one repository reads, from the job's cadences and its state: the
/// structure alone, the next rotating part of the data, all data, or nothing this time.
struct CheckPlan {
    struct Subset: CustomStringConvertible {
        let readData: ReadDataSubset?
        /// The part a rotating check reads now.
        let part: Int?
        let parts: Int?

        var description: String {
            guard let readData else { return "structure" }
            if let part, let parts { return "structure and data part \(part)/\(parts)" }
            return readData == .all ? "structure and all data" : "structure and data"
        }
    }

    let job: Job
    let repository: String
    let now: Date
    /// Nil when nothing is due.
    let subset: Subset?
    private let structureDue: Bool
    private let fullReadDue: Bool

    init(job: Job, repository: String, state: JobState, now: Date) {
        self.job = job
        self.repository = repository
        self.now = now
        structureDue = job.checkStructure.isDue(last: state.lastStructureCheck[repository], now: now)
        switch job.readData {
        case .rotating(let parts):
            let part = min(max(state.nextReadDataPart[repository] ?? 1, 1), parts)
            fullReadDue = false
            subset = Subset(readData: .part(part, of: parts), part: part, parts: parts)
        case .full(let cadence):
            fullReadDue = cadence.isDue(last: state.lastFullRead[repository], now: now)
            subset = fullReadDue ? Subset(readData: .all, part: nil, parts: nil)
                                 : structureDue ? Subset(readData: nil, part: nil, parts: nil) : nil
        }
    }

    /// Notes a clean check in the state: the cadences restart, the rotation moves on.
    func record(into state: inout JobState) {
        state.lastStructureCheck[repository] = now
        if fullReadDue { state.lastFullRead[repository] = now }
        if let part = subset?.part, let parts = subset?.parts {
            state.nextReadDataPart[repository] = part % parts + 1
        }
    }
}
