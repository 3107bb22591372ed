import Testing
@testable import AgentOpsKit
@testable import AgentOpsSync

@Suite("Retry-After")
struct RetryAfterTests {
    @Test("whole seconds, leading zeros and all, at most a day; an IMF date; anything else is no answer")
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
        for text in [nil, "", "-1", "-0", "+3", "1.5", "1e-300", "nan", "inf", "-inf", "0x10", "٣",
                     "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Mon, 23 Nov 2026 25:00:00 GMT",
                     "Mon, 23 Foo 2026 10:00:30 GMT"] {
            #expect(RetryAfter.seconds(text, now: now) == nil, "\(text ?? "nil")")
        }
    }
}
