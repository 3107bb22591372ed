import Glibc

/// Timestamps in the local time zone (`TZ`) of whoever makes the report, with the
/// offset shown so the page stays unambiguous wherever it is opened.
public enum LocalTime {
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
        localtime_r(&seconds, &parts)
        return parts
    }

    private static func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
