import Foundation

/// A backend's `Retry-After` header in seconds, as RFC 9110 §10.2.3 writes it: a whole
/// number of seconds. nil for anything else — a date (the backoff is used instead), a
/// sign, a fraction, `nan`, `inf` — all of which `Double.init` took: `-1` and `1e-300`
/// were waits of nothing, `inf` gave up at once (hostile pass, round 11).
///
/// At most a day: the deadline decides whether a wait that long is waited for.
enum RetryAfter {
    static func seconds(_ header: String?) -> Double? {
        guard let text = header?.trimmingCharacters(in: .whitespaces), !text.isEmpty, text.utf8.count <= 12,
              text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int(text) else {
            return nil
        }
        return Double(min(value, 86_400))
    }
}
