import Glibc

/// A broken-down time (`struct tm`): the C library's calendar arithmetic and time-zone
/// rules, which nothing else here reimplements.
public struct CalendarTime: Sendable, Equatable {
    /// The full year (2026), month 1...12, day of the month 1...31.
    public var year, month, day: Int
    /// Hour 0...23, minute 0...59, second 0...60.
    public var hour, minute, second: Int
    /// Seconds east of UTC in effect (0 for UTC).
    public var utcOffset: Int
    /// The zone's abbreviation (`CET`, `UTC`), empty when unknown.
    public var zone: String

    /// A calendar time; `utcOffset` and `zone` only describe it.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                utcOffset: Int = 0, zone: String = "") {
        (self.year, self.month, self.day) = (year, month, day)
        (self.hour, self.minute, self.second) = (hour, minute, second)
        (self.utcOffset, self.zone) = (utcOffset, zone)
    }

    private init(_ parts: tm, zone: Bool) {
        self.init(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
                  hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec),
                  utcOffset: Int(parts.tm_gmtoff), zone: zone ? parts.tm_zone.map { String(cString: $0) } ?? "" : "")
    }

    /// `seconds` since the epoch in UTC (`gmtime_r`). Out of the C library's range,
    /// the fields stay as for 1900-01-00, as before this type existed: no trap.
    public static func utc(_ seconds: Int64) -> CalendarTime {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return CalendarTime(parts, zone: false)
    }

    /// `seconds` since the epoch in the local zone (`TZ`, else the system's), with
    /// its offset and abbreviation. `tzset` first: `localtime_r` need not read `TZ`.
    public static func local(_ seconds: Int64) -> CalendarTime {
        var time = time_t(seconds)
        var parts = tm()
        tzset()
        localtime_r(&time, &parts)
        return CalendarTime(parts, zone: true)
    }

    /// Seconds since the epoch of these fields read as UTC (`timegm`), which
    /// normalises out-of-range fields: day 32 of January is 1 February.
    ///
    /// - Returns: nil when a field does not fit the C library's `int`.
    public var utcSeconds: Int64? {
        func field(_ value: Int, minus offset: Int = 0) -> Int32? {
            let (shifted, overflow) = value.subtractingReportingOverflow(offset)
            return overflow ? nil : Int32(exactly: shifted)
        }
        guard let year = field(year, minus: 1900), let month = field(month, minus: 1), let day = field(day),
              let hour = field(hour), let minute = field(minute), let second = field(second) else { return nil }
        var parts = tm()
        (parts.tm_year, parts.tm_mon, parts.tm_mday) = (year, month, day)
        (parts.tm_hour, parts.tm_min, parts.tm_sec) = (hour, minute, second)
        return Int64(timegm(&parts))
    }
}
