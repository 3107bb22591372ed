/// Instants as a person reads them: `2026-11-21 06:40:01` in the local time zone
/// (`TZ`, else the system's), or in UTC; for pages that may be opened elsewhere, with
/// the offset shown so they stay unambiguous.
public enum LocalTime {
    /// `timestamp` to the second, local unless `utc`.
    public static func text(_ timestamp: Timestamp, utc: Bool) -> String {
        var seconds = timestamp.microseconds / 1_000_000
        if timestamp.microseconds < 0, timestamp.microseconds % 1_000_000 != 0 { seconds -= 1 }
        let parts = utc ? CalendarTime.utc(seconds) : CalendarTime.local(seconds)
        return "\(parts.year)-\(pad(parts.month))-\(pad(parts.day)) "
            + "\(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second))"
    }

    /// The zone's abbreviation at `timestamp` (`CET`, `UTC`), for a header.
    public static func zone(at timestamp: Timestamp) -> String {
        CalendarTime.local(timestamp.microseconds / 1_000_000).zone
    }

    /// `2026-11-21 06:40:01 +01:00`.
    public static func format(_ timestamp: Timestamp) -> String {
        let parts = CalendarTime.local(timestamp.microseconds / 1_000_000)
        let offset = parts.utcOffset
        let sign = offset < 0 ? "-" : "+"
        return day(timestamp) + " \(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second)) "
            + "\(sign)\(pad(abs(offset) / 3600)):\(pad(abs(offset) % 3600 / 60))"
    }

    /// The local calendar day, `2026-11-21`.
    public static func day(_ timestamp: Timestamp) -> String {
        let parts = CalendarTime.local(timestamp.microseconds / 1_000_000)
        return "\(parts.year)-\(pad(parts.month))-\(pad(parts.day))"
    }

    /// The local day after `day` (a `day(_:)` string), for filling gaps in a chart.
    static func dayAfter(_ day: String) -> String {
        let numbers = day.split(separator: "-").compactMap { Int32($0) }
        guard numbers.count == 3 else { return day }
        // Noon avoids daylight-saving edges; timegm/gmtime keep it calendar arithmetic.
        let noon = CalendarTime(year: Int(numbers[0]), month: Int(numbers[1]), day: Int(numbers[2]) + 1, hour: 12)
        guard let seconds = noon.utcSeconds else { return day }
        let next = CalendarTime.utc(seconds)
        return "\(next.year)-\(pad(next.month))-\(pad(next.day))"
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
