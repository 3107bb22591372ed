import AgentOpsKit
import Foundation

/// A backend's `Retry-After` header in seconds from now, as RFC 9110 §10.2.3 writes it: a
/// whole number of seconds, or an HTTP date in any of the three forms §5.6.7 says a
/// recipient must accept: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, the preferred
/// one), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37
/// 1994`). nil for anything else — a sign, a fraction, `nan`, `inf` — all of which
/// `Double.init` took or left: `-1` and `1e-300` were waits of nothing, `inf` gave up at
/// once (hostile passes, round 12).
///
/// At most a day (a number of any length, leading zeros and all, that says more is a
/// day); a date in the past is 0. The caller never waits less than its backoff, and the
/// deadline decides whether a long wait is waited for.
enum RetryAfter {
    static let longest = 86_400

    static func seconds(_ header: String?, now: Timestamp = .now()) -> Double? {
        guard let text = header?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            let significant = text.drop { $0 == "0" }
            guard significant.count <= 6 else { return Double(longest) }
            return Double(min(Int(significant) ?? 0, longest))
        }
        guard let date = date(text, now: now) else { return nil }
        // Rounded up: a date says "not before" (cut down, every retry came up to a second
        // early: third hostile pass, round 12). Both times are within years 0–9999.
        let microseconds = max(0, date.microseconds - now.microseconds)
        return Double(min((microseconds + 999_999) / 1_000_000, Int64(longest)))
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let longDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// An HTTP date's time in one of its three forms, exactly as RFC 9110 §5.6.7 spells
    /// them (the day's name is checked for its spelling, not against the date).
    static func date(_ text: String, now: Timestamp = .now()) -> Timestamp? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
        if parts.count == 6, parts[0].hasSuffix(","), days.contains(String(parts[0].dropLast())), parts[5] == "GMT" {
            return time(year: parts[3], month: parts[2], day: parts[1], clock: parts[4])
        }
        // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`, a year of two digits.
        if parts.count == 4, parts[0].hasSuffix(","), longDays.contains(String(parts[0].dropLast())), parts[3] == "GMT" {
            let date = parts[1].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard date.count == 3, date[2].count == 2, let yy = Int(date[2]), date[2].utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                return nil
            }
            return time(year: String(fullYear(yy, now: now)), month: date[1], day: date[0], clock: parts[2])
        }
        // asctime: `Sun Nov  6 08:49:37 1994`, a day of one digit after two spaces.
        if parts.count == 6, parts[2].isEmpty, days.contains(parts[0]), parts[3].count == 1 {
            return time(year: parts[5], month: parts[1], day: "0" + parts[3], clock: parts[4])
        }
        if parts.count == 5, days.contains(parts[0]) {
            return time(year: parts[4], month: parts[1], day: parts[2], clock: parts[3])
        }
        return nil
    }

    /// A two-digit year as §5.6.7 reads it: in this century, unless that is more than 50
    /// years ahead, then in the last.
    static func fullYear(_ yy: Int, now: Timestamp) -> Int {
        let thisYear = Int(now.description.prefix(4)) ?? 2000
        let year = thisYear - thisYear % 100 + yy
        return year > thisYear + 50 ? year - 100 : year
    }

    /// The time of a date's parts: a year of four digits, a month's name, a day of two
    /// digits, `HH:MM:SS`; nil when any is not so.
    private static func time(year: String, month: String, day: String, clock: String) -> Timestamp? {
        guard let month = months.firstIndex(of: month), year.count == 4, day.count == 2, clock.count == 8 else {
            return nil
        }
        return Timestamp(iso8601: "\(year)-\(month < 9 ? "0" : "")\(month + 1)-\(day)T\(clock)Z")
    }
}
