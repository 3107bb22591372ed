import Testing
@testable import AgentOpsKit
@testable import AgentOpsSync

@Suite("Retry-After")
struct RetryAfterTests {
    @Test("whole seconds, leading zeros and all, at most a day; an HTTP date in its three forms; anything else is no answer")
    func seconds() {
        let now = Timestamp(iso8601: "2026-11-23T10:00:00Z")!
        #expect(RetryAfter.seconds("7", now: now) == 7)
        #expect(RetryAfter.seconds(" 0 ", now: now) == 0)
        #expect(RetryAfter.seconds("00000000000004", now: now) == 4)
        #expect(RetryAfter.seconds("999999999999", now: now) == 86_400)
        #expect(RetryAfter.seconds("99999999999999999999999", now: now) == 86_400)
        #expect(RetryAfter.seconds("Mon, 23 Nov 2026 10:00:30 GMT", now: now) == 30)
        #expect(RetryAfter.seconds("Mon, 23 Nov 2026 10:00:30 GMT", now: Timestamp(iso8601: "2026-11-23T10:00:00.4Z")!) == 30)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == 0)
        #expect(RetryAfter.seconds("Fri, 31 Dec 9999 23:59:59 GMT", now: now) == 86_400)
        // The two obsolete forms RFC 9110 §5.6.7 says a recipient must accept were
        // ignored (round 12's known-left list): the backoff was used instead.
        #expect(RetryAfter.seconds("Monday, 23-Nov-26 10:00:30 GMT", now: now) == 30)
        #expect(RetryAfter.seconds("Mon Nov 23 10:00:30 2026", now: now) == 30)
        #expect(RetryAfter.seconds("Tue Dec  1 10:00:00 2026", now: now) == 86_400)
        #expect(RetryAfter.seconds("Sunday, 06-Nov-94 08:49:37 GMT", now: now) == 0)
        #expect(RetryAfter.seconds("Sun Nov  6 08:49:37 1994", now: now) == 0)
        // A two-digit year more than 50 years ahead is the last century's.
        #expect(RetryAfter.fullYear(76, now: now) == 2076)
        #expect(RetryAfter.fullYear(77, now: now) == 1977)
        #expect(RetryAfter.fullYear(94, now: now) == 1994)
        #expect(RetryAfter.fullYear(0, now: now) == 2000)
        for text in [nil, "", "-1", "-0", "+3", "1.5", "1e-300", "nan", "inf", "-inf", "0x10", "٣",
                     "Mon, 23 Nov 2026 25:00:00 GMT", "Mon, 23 Foo 2026 10:00:30 GMT", "Sun, 06-Nov-94 08:49:37 GMT",
                     "Sunday, 06-Nov-+4 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994",
                     "Sun Nov   6 08:49:37 1994", "Sun Nov 06 08:49:37 94", "Mon 23 Nov 2026 10:00:30 GMT",
                     "Mon, 23 Nov 2026 10:00:30 UTC", "Funday, 06-Nov-94 08:49:37 GMT"] {
            #expect(RetryAfter.seconds(text, now: now) == nil, "\(text ?? "nil")")
        }
    }
}
