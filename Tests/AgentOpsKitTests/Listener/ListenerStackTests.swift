import Foundation
import Testing
@testable import AgentOpsKit

/// The listener's threads have a small stack (`LoopbackListener.threadStackSize`) so that
/// 32 connections do not reserve 256 MiB of address space; the deepest work they do is
/// parsing and recording the deepest body a client may send. Measured here on a painted
/// stack, and done again on a real thread of that size.
@Suite("Listener thread stacks")
struct ListenerStackTests {
    static let session = SessionID("6f9619ff-8b86-4d01-b42d-00c04fc964ff")!
    static let key = "stack-test-key"

    /// The listener's handler as a run builds it, recording into a fresh session log.
    static func router() throws -> ListenerRouter {
        var template = Array("/tmp/agentops-unit-XXXXXX".utf8CString)
        let folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        let path = folder + "/log.jsonl"
        let sink = SummarizingSink(log: try SessionLog(path: path))
        let recorder = Recorder(sessionID: session, sink: sink, redactor: try Redactor(environment: [:]),
                                warn: { _ in })
        return ListenerRouter(sdk: SDKEndpoint(sessionID: session, key: key, recorder: recorder, sessionPath: path,
                                               prices: PriceTable(only: [:])),
                              otlp: OTLPEndpoint(sessionID: session, recorder: recorder))
    }

    static func head(_ path: String, type: String = "application/json") -> HTTPRequestHead {
        HTTPRequestHead(method: "POST", target: path, version: "HTTP/1.1",
                        headers: [("content-type", type), ("x-agentops-api-key", key)], contentLength: 0)
    }

    /// `levels` arrays, one inside the other.
    static func nested(_ levels: Int) -> String {
        String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
    }

    /// A `create_events` batch of one event whose `params` nest `levels` arrays deep
    /// (the body itself is `levels + 3` deep).
    static func events(levels: Int, id: String) -> [UInt8] {
        Array((#"{"events": [{"id": "\#(id)", "event_type": "actions", "init_timestamp": "#
               + #""2026-01-01T00:00:00+00:00", "params": \#(nested(levels))}]}"#).utf8)
    }

    /// An OTLP attribute value nested `levels` deep (1 is a plain string).
    static func anyValue(_ levels: Int) -> OTLPAnyValue {
        levels <= 1 ? .string("leaf") : .array([anyValue(levels - 1)])
    }

    /// One span with an attribute nested as deep as the decoder takes.
    static func span(_ id: UInt64) -> OTLPTraceRequest {
        OTLPTraceRequest(resourceSpans: [OTLPResourceSpans(scopeSpans: [OTLPScopeSpans(spans: [
            OTLPSpan(traceID: OTLPTraceID(high: 1, low: id), spanID: OTLPSpanID(id), name: "deep",
                     attributes: [OTLPKeyValue("deep", anyValue(OTLPDecodeLimits.standard.maxNestingDepth))]),
        ])])])
    }

    /// The deepest requests a client can make the listener parse and record, and the status
    /// each must get: a `create_events` batch as deep as parses (and is recorded), one a
    /// level too deep (refused at the parser's limit), OTLP/JSON with an unknown member as
    /// deep as parses, and OTLP/protobuf with an attribute as deep as decodes. Fresh ids
    /// each round (records are deduplicated).
    static func deepest(_ round: Int) -> [(HTTPRequestHead, [UInt8], Int)] {
        var json = Array(span(UInt64(2 * round + 1)).json)
        // `{"deep": [[…]], …}`: the arrays reach the parser's limit (the object is level 0).
        json.removeFirst()
        json = Array(#"{"deep": \#(nested(JSONParser.maxNesting - 1)),"#.utf8) + json
        return [
            (head("/v2/create_events"), events(levels: recordedLevels, id: "deep-\(round)"), 200),
            (head("/v2/create_events"), events(levels: recordedLevels + 1, id: "too-deep-\(round)"), 400),
            (head(OTLPEndpoint.tracesPath), json, 200),
            (head(OTLPEndpoint.tracesPath, type: "application/x-protobuf"), span(UInt64(2 * round + 2)).protobuf, 200),
        ]
    }

    /// The deepest `params` a `create_events` body may have: three levels above them
    /// (the body, `events`, the event), the parser's limit below.
    static let recordedLevels = JSONParser.maxNesting - 3

    @Test("a create_events body as deep as parses is recorded; one level more is refused")
    func recordedDepth() throws {
        let router = try Self.router()
        #expect(router.respond(Self.head("/v2/create_events"), body: Self.events(levels: Self.recordedLevels,
                                                                                   id: "a")[...]).status == 200)
        #expect(router.respond(Self.head("/v2/create_events"), body: Self.events(levels: Self.recordedLevels + 1,
                                                                                   id: "b")[...]).status == 400)
    }

    @Test("the deepest bodies use under a quarter of a listener thread's stack")
    func quarterOfTheStack() throws {
        let router = try Self.router()
        var deepest = 0
        for (head, body, status) in Self.deepest(0) {
            let answered = Box()
            let used = StackHighWater.measure { answered.status = router.respond(head, body: body[...]).status }
            #expect(answered.status == status, "\(head.path): \(answered.status)")
            deepest = max(deepest, used)
            print("stack used by \(head.path) (\(head.header("content-type") ?? "")), \(status): \(used) bytes")
        }
        #expect(deepest * 4 <= LoopbackListener.threadStackSize,
                "\(deepest) bytes used of \(LoopbackListener.threadStackSize)")
    }

    @Test("on a thread with the listener's stack the deepest bodies are parsed and recorded")
    func onAListenerThread() throws {
        let router = try Self.router()
        let done = DispatchSemaphore(value: 0)
        let answered = Box()
        let started = PlainThread.start(name: "stack test", stackSize: LoopbackListener.threadStackSize) {
            answered.statuses = Self.deepest(1).map { router.respond($0.0, body: $0.1[...]).status }
            done.signal()
        }
        #expect(started)
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(answered.statuses == Self.deepest(1).map(\.2))
    }

    private final class Box: @unchecked Sendable {
        var status = 0
        var statuses: [Int] = []
    }
}
