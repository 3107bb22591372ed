import Glibc

/// Instants as a person reads them: `2026-11-21 06:40:01` in the local time zone
/// (`TZ`, else the system's), or in UTC.
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
        func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
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
}
