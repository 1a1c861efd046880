/// The stored form of a retention policy: a JSON object in the repository config.
///
/// ```json
/// {"keep_daily": 7, "keep_last": 5, "keep_tags": ["nightly"], "keep_within": "1y6m",
///  "keep_within_daily": "30d"}
/// ```
///
/// - Keys are snake_case and fixed (`CodingKeys`); renaming one breaks stored policies.
/// - Counts are integers (-1 for unlimited); durations are their text form (`"1y6m"`).
/// - Rules that are not set are left out, as are `keep_tags` when empty and zero durations
///   (rules that are off); a missing key reads as "not set".
/// - Unknown keys are an error, not ignored: a policy written by a newer version with a rule
///   this version does not know would otherwise be applied without that rule and remove
///   snapshots the user meant to keep.
extension RetentionPolicy: Codable {
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case keepLast = "keep_last"
        case keepHourly = "keep_hourly"
        case keepDaily = "keep_daily"
        case keepWeekly = "keep_weekly"
        case keepMonthly = "keep_monthly"
        case keepYearly = "keep_yearly"
        case keepWithin = "keep_within"
        case keepWithinHourly = "keep_within_hourly"
        case keepWithinDaily = "keep_within_daily"
        case keepWithinWeekly = "keep_within_weekly"
        case keepWithinMonthly = "keep_within_monthly"
        case keepWithinYearly = "keep_within_yearly"
        case keepTags = "keep_tags"
    }

    /// Any key, to find the ones `CodingKeys` does not know.
    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let all = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        if let unknown = all.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [unknown],
                debugDescription: "unknown retention rule \"\(unknown.stringValue)\" (written by a newer version?)"))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            keepLast: try container.decodeIfPresent(Int.self, forKey: .keepLast),
            keepHourly: try container.decodeIfPresent(Int.self, forKey: .keepHourly),
            keepDaily: try container.decodeIfPresent(Int.self, forKey: .keepDaily),
            keepWeekly: try container.decodeIfPresent(Int.self, forKey: .keepWeekly),
            keepMonthly: try container.decodeIfPresent(Int.self, forKey: .keepMonthly),
            keepYearly: try container.decodeIfPresent(Int.self, forKey: .keepYearly),
            keepWithin: try container.decodeIfPresent(RetentionDuration.self, forKey: .keepWithin),
            keepWithinHourly: try container.decodeIfPresent(RetentionDuration.self, forKey: .keepWithinHourly),
            keepWithinDaily: try container.decodeIfPresent(RetentionDuration.self, forKey: .keepWithinDaily),
            keepWithinWeekly: try container.decodeIfPresent(RetentionDuration.self, forKey: .keepWithinWeekly),
            keepWithinMonthly: try container.decodeIfPresent(RetentionDuration.self, forKey: .keepWithinMonthly),
            keepWithinYearly: try container.decodeIfPresent(RetentionDuration.self, forKey: .keepWithinYearly),
            keepTags: try container.decodeIfPresent([String].self, forKey: .keepTags) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(keepLast, forKey: .keepLast)
        try container.encodeIfPresent(keepHourly, forKey: .keepHourly)
        try container.encodeIfPresent(keepDaily, forKey: .keepDaily)
        try container.encodeIfPresent(keepWeekly, forKey: .keepWeekly)
        try container.encodeIfPresent(keepMonthly, forKey: .keepMonthly)
        try container.encodeIfPresent(keepYearly, forKey: .keepYearly)
        try container.encodeIfPresent(keepWithin.flatMap(nonZero), forKey: .keepWithin)
        try container.encodeIfPresent(keepWithinHourly.flatMap(nonZero), forKey: .keepWithinHourly)
        try container.encodeIfPresent(keepWithinDaily.flatMap(nonZero), forKey: .keepWithinDaily)
        try container.encodeIfPresent(keepWithinWeekly.flatMap(nonZero), forKey: .keepWithinWeekly)
        try container.encodeIfPresent(keepWithinMonthly.flatMap(nonZero), forKey: .keepWithinMonthly)
        try container.encodeIfPresent(keepWithinYearly.flatMap(nonZero), forKey: .keepWithinYearly)
        if !keepTags.isEmpty { try container.encode(keepTags, forKey: .keepTags) }
    }

    /// A zero duration is a rule that is off; it is stored as absent because the text form
    /// refuses zero.
    private func nonZero(_ duration: RetentionDuration) -> RetentionDuration? { duration.isZero ? nil : duration }
}
