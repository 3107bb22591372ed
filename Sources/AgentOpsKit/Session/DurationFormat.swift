/// Durations as the SDK prints them: `"{h}h "` if hours, `"{m}m "` if minutes, then
/// seconds with one decimal (`1h 2m 3.4s`, `5.0s`).
public enum DurationFormat {
    /// `seconds` formatted; negative or not finite counts as 0, and anything past
    /// 10^15 s (far beyond any timestamp's reach) as 10^15 s, so nothing traps.
    public static func sdk(_ seconds: Double) -> String {
        let total = seconds.isFinite ? min(max(0, seconds), 1e15) : 0
        let hours = Int(total / 3600)
        let minutes = Int((total - Double(hours) * 3600) / 60)
        let rest = total - Double(hours) * 3600 - Double(minutes) * 60
        var parts: [String] = []
        if hours > 0 { parts.append("\(hours)h") }
        if minutes > 0 { parts.append("\(minutes)m") }
        let tenths = Int((rest * 10).rounded())
        parts.append("\(tenths / 10).\(tenths % 10)s")
        // Not the generic `joined`: the closing line's duration is on the path after the
        // command's exit (`joinedStrings` says why).
        return parts.joinedStrings(separator: " ")
    }
}
