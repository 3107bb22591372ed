import Testing
@testable import AgentOpsSync

@Suite("Retry-After")
struct RetryAfterTests {
    @Test("whole seconds only, at most a day; anything else is no answer (the backoff is used)")
    func seconds() {
        #expect(RetryAfter.seconds("7") == 7)
        #expect(RetryAfter.seconds(" 0 ") == 0)
        #expect(RetryAfter.seconds("999999999999") == 86_400)
        for text in [nil, "", "-1", "-0", "+3", "1.5", "1e-300", "nan", "inf", "-inf", "0x10", "1234567890123",
                     "Wed, 21 Oct 2015 07:28:00 GMT", "٣"] {
            #expect(RetryAfter.seconds(text) == nil, "\(text ?? "nil")")
        }
    }
}
