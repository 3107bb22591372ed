import AgentOpsKit
import Foundation

/// The deadline an exporter works against, and the pace of its retries before it: the one
/// schedule the AgentOps API exporter and the OTLP exporter share, so that both give a
/// request the same time and back off from a struggling backend alike.
struct ExportDeadline {
    /// When to give up.
    let time: DispatchTime

    /// A deadline at `time`.
    init(_ time: DispatchTime) { self.time = time }

    /// Whether the deadline has passed.
    var hasPassed: Bool { DispatchTime.now() >= time }

    /// Seconds until the deadline, negative once it has passed (exact for any deadline,
    /// `.distantFuture` included: the difference is taken without leaving `UInt64`).
    var secondsLeft: Double {
        let now = DispatchTime.now().uptimeNanoseconds, end = time.uptimeNanoseconds
        return end >= now ? Double(end - now) / 1e9 : -(Double(now - end) / 1e9)
    }

    /// The timeout of one request: what is left of the deadline, at most `limit`, and never
    /// under 0.2 s (a last request still gets a chance to be answered).
    func requestTimeout(atMost limit: Double) -> Double { max(0.2, min(limit, secondsLeft)) }

    /// Sleeps before retry number `attempt` (0 for the first): an exponential backoff from
    /// 0.25 s up to 8 s with jitter (×0.5 to ×1.5), so that many clients do not come back
    /// at once, or `after` seconds when the backend asked for longer (Retry-After). Never
    /// less than the backoff: a backend that said `Retry-After: 0` while shedding load was
    /// sent 57,000 requests in 8 s (hostile pass, round 12).
    ///
    /// - Returns: false, without sleeping, when that wait would end past the deadline.
    func pauseBeforeRetry(_ attempt: Int, after: Double?) -> Bool {
        let backoff = min(8, 0.25 * pow(2, Double(min(attempt, 8)))) * Double.random(in: 0.5...1.5)
        let delay = max(backoff, after ?? 0)
        guard DispatchTime.now() + delay < time else { return false }
        Clock.sleep(microseconds: UInt32(max(0, min(delay, 3600)) * 1_000_000))
        return true
    }
}
