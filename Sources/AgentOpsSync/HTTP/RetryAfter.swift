import AgentOpsKit
import Foundation

/// A backend's `Retry-After` header in seconds from now, as RFC 9110 §10.2.3 writes it: a
/// whole number of seconds, or an HTTP date (its preferred form, IMF-fixdate: `Sun, 06 Nov
/// 1994 08:49:37 GMT`). nil for anything else — a sign, a fraction, `nan`, `inf`, a date
/// in an obsolete form — all of which `Double.init` took or left: `-1` and `1e-300` were
/// waits of nothing, `inf` gave up at once (hostile passes, round 12).
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
        guard let date = date(text) else { return nil }
        // Rounded up: a date says "not before" (cut down, every retry came up to a second
        // early: third hostile pass, round 12). Both times are within years 0–9999.
        let microseconds = max(0, date.microseconds - now.microseconds)
        return Double(min((microseconds + 999_999) / 1_000_000, Int64(longest)))
    }

    /// An IMF-fixdate's time: `Www, DD Mon YYYY HH:MM:SS GMT`, exactly.
    static func date(_ text: String) -> Timestamp? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","), parts[1].count == 2,
              let month = months.firstIndex(of: String(parts[2])), parts[3].count == 4, parts[4].count == 8,
              parts[5] == "GMT" else { return nil }
        let iso = "\(parts[3])-\(month < 9 ? "0" : "")\(month + 1)-\(parts[1])T\(parts[4])Z"
        return Timestamp(iso8601: iso)
    }
}
