import Glibc

/// Instants as a person reads them: `2026-11-21 06:40:01` in the local time zone
/// (`TZ`, else the system's), or in UTC; for pages that may be opened elsewhere, with
/// the offset shown so they stay unambiguous.
public enum LocalTime {
    /// `timestamp` to the second, local unless `utc`.
    public static func text(_ timestamp: Timestamp, utc: Bool) -> String {
        var seconds = time_t(timestamp.microseconds / 1_000_000)
        if timestamp.microseconds < 0, timestamp.microseconds % 1_000_000 != 0 { seconds -= 1 }
        var parts = tm()
        if utc {
            gmtime_r(&seconds, &parts)
        } else {
            // localtime_r need not read TZ itself; tzset makes it current.
            tzset()
            localtime_r(&seconds, &parts)
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday)) "
            + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))"
    }

    /// The zone's abbreviation at `timestamp` (`CET`, `UTC`), for a header.
    public static func zone(at timestamp: Timestamp) -> String {
        var seconds = time_t(timestamp.microseconds / 1_000_000)
        var parts = tm()
        tzset()
        localtime_r(&seconds, &parts)
        guard let name = parts.tm_zone else { return "" }
        return String(cString: name)
    }

    /// `2026-11-21 06:40:01 +01:00`.
    public static func format(_ timestamp: Timestamp) -> String {
        let parts = components(timestamp)
        let offset = Int(parts.tm_gmtoff)
        let sign = offset < 0 ? "-" : "+"
        return day(timestamp) + " \(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)) "
            + "\(sign)\(pad(Int32(abs(offset) / 3600))):\(pad(Int32(abs(offset) % 3600 / 60)))"
    }

    /// The local calendar day, `2026-11-21`.
    public static func day(_ timestamp: Timestamp) -> String {
        let parts = components(timestamp)
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))"
    }

    /// The local day after `day` (a `day(_:)` string), for filling gaps in a chart.
    static func dayAfter(_ day: String) -> String {
        let numbers = day.split(separator: "-").compactMap { Int32($0) }
        guard numbers.count == 3 else { return day }
        // Noon avoids daylight-saving edges; timegm/gmtime keep it calendar arithmetic.
        var parts = tm()
        parts.tm_year = numbers[0] - 1900
        parts.tm_mon = numbers[1] - 1
        parts.tm_mday = numbers[2] + 1
        parts.tm_hour = 12
        var seconds = timegm(&parts)
        var next = tm()
        gmtime_r(&seconds, &next)
        return "\(next.tm_year + 1900)-\(pad(next.tm_mon + 1))-\(pad(next.tm_mday))"
    }

    private static func components(_ timestamp: Timestamp) -> tm {
        var seconds = time_t(timestamp.microseconds / 1_000_000)
        var parts = tm()
        tzset()
        localtime_r(&seconds, &parts)
        return parts
    }

    private static func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
