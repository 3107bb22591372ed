import Foundation
import Glibc
import Testing
import TestSupport
@testable import AgentOpsKit

/// The write side's fast paths give exactly what the plain ones gave: event lines written
/// straight into bytes, timestamps parsed without `timegm`, batches encoded on every core,
/// and records over the line limit left out (or the batch refused) in one append.
@Suite("Event lines and batched appends")
struct EventLineTests {
    static let session = SessionID("6f9619ff-8b86-4d01-b42d-00c04fc964ff")!

    /// The line as the generic writer makes it from `json`.
    static func slowLine(_ record: StoreRecord) -> [UInt8] {
        var bytes: [UInt8] = []
        JSONWriter.write(record.json, into: &bytes, indent: nil, level: 0)
        bytes.append(0x0A)
        return bytes
    }

    static let awkward = "quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{0} é 日本 🎉 \u{7F} end"

    @Test("an event line is byte for byte the generic writer's, for every type and awkward text")
    func eventLineMatchesGenericWriter() throws {
        let start = Timestamp(microseconds: 1_763_791_752_500_398), end = Timestamp(microseconds: -1_234_567)
        var events: [Event] = [
            .stdout(Self.awkward, from: start, to: end, session: Self.session),
            .stderr(Self.awkward, from: start, to: start, session: Self.session),
            Event(id: Self.awkward, type: .llms, initTimestamp: end, endTimestamp: start, sessionID: Self.session,
                  fields: [("prompt", .object([("messages", .array([.object([("role", .string("user")),
                                                                              ("content", .string(Self.awkward))])]))])),
                           ("cost", .number("0.0012345678")), ("ok", .bool(true)), ("no", .bool(false)),
                           ("empty", .object([])), ("list", .array([])), (Self.awkward, .null)]),
            Event(type: .tools, initTimestamp: Timestamp(microseconds: 253_402_300_799_999_999),
                  endTimestamp: Timestamp(microseconds: 0), sessionID: Self.session, fields: []),
        ]
        events.append(Event(type: .apis, initTimestamp: start, endTimestamp: start, sessionID: Self.session,
                            fields: [("nested", events[2].json)]))
        for event in events {
            var fast: [UInt8] = []
            StoreRecord.event(event).writeLine(into: &fast)
            #expect(fast == Self.slowLine(.event(event)), "\(String(decoding: fast, as: UTF8.self))")
            // And reads back as the same event.
            let back = try StoreRecord(line: fast.dropLast())
            #expect(back == .event(event))
        }
        #expect(JSONWriter.compact(.string(Self.awkward)) == Array(
            #""quote \" backslash \\ newline \n tab \t bell \u0007 nul \u0000 é 日本 🎉 \#u{7F} end""#.utf8))
    }

    @Test("timestamps parse to what timegm gives, on every kind of date and offset")
    func timestampsMatchTimegm() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let year = Int.random(in: 1...9999, using: &generator), month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...28, using: &generator), hour = Int.random(in: 0...23, using: &generator)
            let minute = Int.random(in: 0...59, using: &generator), second = Int.random(in: 0...59, using: &generator)
            let offset = Int.random(in: -17...17, using: &generator)
            let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.123456", year, month, day, hour, minute, second)
                + (offset < 0 ? "-" : "+") + String(format: "%02d:30", abs(offset))
            var parts = tm()
            parts.tm_year = Int32(year - 1900)
            parts.tm_mon = Int32(month - 1)
            parts.tm_mday = Int32(day)
            parts.tm_hour = Int32(hour)
            parts.tm_min = Int32(minute)
            parts.tm_sec = Int32(second)
            let sign = offset < 0 ? -1 : 1
            let expected = (Int64(timegm(&parts)) - Int64(sign * (abs(offset) * 3600 + 1800))) * 1_000_000 + 123_456
            #expect(Timestamp(iso8601: text)?.microseconds == expected, "\(text)")
        }
        #expect(Timestamp(iso8601: "2024-02-29T00:00:00Z") != nil && Timestamp(iso8601: "2023-02-29T00:00:00Z") == nil)
        #expect(Timestamp(iso8601: "1970-01-01T00:00:00Z")?.microseconds == 0)
        let now = Timestamp.now()
        #expect(Timestamp(iso8601: now.description) == now)
    }

    @Test("a batch split over the cores comes back whole and in order")
    func parallelChunksKeepOrder() {
        for count in [0, 1, 127, 256, 1000, 4097] {
            let parts = ParallelChunks.map(count, minimumPerChunk: 128) { range in Array(range) }
            #expect(parts.flatMap { $0 } == Array(0..<count))
            #expect(parts.allSatisfy { !$0.isEmpty || count == 0 })
        }
    }

    static func temporaryLog() throws -> SessionLog {
        let folder = ScratchFolder.make("agentops-unit")
        return try SessionLog(path: folder + "/log.jsonl")
    }

    static func lines(_ log: SessionLog) throws -> [StoreRecord] {
        var read: [StoreRecord] = []
        _ = try SessionLog.read(path: log.path) { read.append($0) }
        return read
    }

    @Test("a big batch is written in order; a record over the line limit is left out alone, or refuses all")
    func batchedAppend() throws {
        let log = try Self.temporaryLog()
        let now = Timestamp.now()
        let many = (0..<1000).map { StoreRecord.event(.stdout("line \($0)", from: now, to: now, session: Self.session)) }
        #expect(try log.append(many, oversize: .leaveOut).isEmpty)
        #expect(try Self.lines(log) == many)

        let huge = StoreRecord.event(.stdout(String(repeating: "x", count: SessionLog.maxLineBytes), from: now,
                                             to: now, session: Self.session))
        let batch = Array(many.prefix(300)) + [huge] + Array(many.suffix(300))
        let refused = try log.append(batch, oversize: .refuseAll)
        #expect(refused.map(\.position) == [300] && refused[0].bytes > SessionLog.maxLineBytes)
        #expect(try Self.lines(log).count == 1000, "refuseAll wrote nothing")
        let left = try log.append(batch, oversize: .leaveOut)
        #expect(left.map(\.position) == [300])
        #expect(try Self.lines(log) == many + Array(many.prefix(300)) + Array(many.suffix(300)))
    }

    /// A tool or agent span of a few traces, failed one time in fifty, with a tag.
    static func span(_ index: Int) -> OTLPSpan {
        let kind = OTLPKeyValue("agentops.span.kind", .string(index % 2 == 0 ? "tool" : "agent"))
        let tag = OTLPKeyValue("agentops.tags", .string("t\(index % 3)"))
        let code = index % 50 == 0 ? OTLPStatus.Code.error : OTLPStatus.Code.unset
        return OTLPSpan(traceID: OTLPTraceID(high: 7, low: UInt64(index / 100 + 1)), spanID: OTLPSpanID(UInt64(index + 1)),
                        name: "s\(index)", startTimeUnixNano: 1_760_000_000_000_000_000, attributes: [kind, tag],
                        status: OTLPStatus(code: code))
    }

    @Test("a big OTLP batch maps on every core to what its spans give one by one, in order")
    func parallelIngestMatchesSerial() {
        let spans: [OTLPSpan] = (0..<700).map(Self.span) + [OTLPSpan(name: "no ids")]
        let request = OTLPTraceRequest(resourceSpans: [OTLPResourceSpans(scopeSpans: [OTLPScopeSpans(spans: spans)])])
        let arrival = Timestamp(microseconds: 1)
        let whole = SpanEvents.ingest(request, session: Self.session, arrival: arrival)
        var events: [Event] = []
        var tags: [String] = []
        for span in spans {
            let one = SpanEvents.ingest(OTLPTraceRequest(resourceSpans: [OTLPResourceSpans(scopeSpans: [
                OTLPScopeSpans(spans: [span])])]), session: Self.session, arrival: arrival)
            events += one.events
            tags += one.tags
        }
        #expect(whole.events == events)
        #expect(whole.events.count == 700 + 14)
        #expect(whole.tags == Tags.normalized(tags) && whole.tags.count == 3)
        #expect(whole.rejectedSpans == 1)
    }
}
