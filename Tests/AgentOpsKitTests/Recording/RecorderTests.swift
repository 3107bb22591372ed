import Synchronization
import Testing
@testable import AgentOpsKit

/// A sink that keeps records in memory, and can be made to fail.
final class MemorySink: RecordSink {
    let records = Mutex<[StoreRecord]>([])
    let failing = Mutex(false)
    /// Events whose text is this are refused as over the line limit, with their batch.
    static let tooLarge = "too large"

    func append(_ records: [StoreRecord], oversize: OversizePolicy) throws(StoreError) -> [OversizedRecord] {
        if failing.withLock({ $0 }) { throw .cannotWrite(path: "memory", reason: "No space left on device") }
        var kept: [StoreRecord] = []
        var oversized: [OversizedRecord] = []
        for (position, record) in records.enumerated() {
            if case let .event(event) = record, event.json["logs"] == .string(Self.tooLarge) {
                oversized.append(OversizedRecord(position: position, bytes: 9 << 20))
            } else {
                kept.append(record)
            }
        }
        if oversize == .refuseAll, !oversized.isEmpty { return oversized }
        self.records.withLock { $0 += kept }
        return oversized
    }
}

@Suite("Recorder")
struct RecorderTests {
    static let id = SessionID("00000000-0000-4000-8000-000000000001")!

    /// What a recorder warned about.
    final class Warnings: Sendable {
        let messages = Mutex<[String]>([])
        var count: Int { messages.withLock { $0.count } }
    }

    /// A recorder of session `id` writing to `sink`, redacting nothing, and what it warns.
    static func recorder(_ sink: MemorySink) -> (Recorder, Warnings) {
        let warnings = Warnings()
        let recorder = Recorder(sessionID: id, sink: sink, redactor: try! Redactor(environment: [:]),
                                warn: { message in warnings.messages.withLock { $0.append(message) } })
        return (recorder, warnings)
    }

    static func event(_ id: String, text: String = "x") -> StoreRecord {
        var event = Event.stdout(text, from: .now(), to: .now(), session: Self.id)
        event.id = id
        return .event(event)
    }

    @Test("redacts secrets before the sink sees them, and counts events")
    func redactsAndCounts() throws {
        let sink = MemorySink()
        let redactor = try Redactor(environment: ["MY_TOKEN": "supersecretvalue"])
        let recorder = Recorder(sessionID: Self.id, sink: sink, redactor: redactor, warn: { _ in })
        recorder.write([Self.event("a", text: "token supersecretvalue")])
        let stored = sink.records.withLock { $0 }
        guard case let .event(event)? = stored.first else { Issue.record("no event"); return }
        #expect(event.json["logs"] == .string("token [REDACTED]"))
        #expect(recorder.counts[.actions] == 1)
    }

    @Test("secret variables: KEY, TOKEN, SECRET, PASSWORD anywhere in the name, any case; 8 characters or more")
    func secretNames() throws {
        let environment = [
            "github_token": "value-of-token", "Db_PassWord": "value-of-password", "X_SECRET_Y": "value-of-secret",
            "APIKEY": "value-of-key", "ſecret_name": "value-of-long-s", "PATH": "value-of-path",
            "MONKEYS": "value-of-monkeys", "SHORT_KEY": "1234567", "TOKENS_ǅ": "value-of-unicode",
            "KE": "value-of-ke",
        ]
        let redactor = try Redactor(environment: environment)
        let text = environment.values.sorted().joined(separator: " ")
        // MONKEYS contains KEY: redacted as the rule says, a false positive on purpose.
        let kept: Set = ["1234567", "value-of-ke", "value-of-path"]
        #expect(redactor.redact(text) == environment.values.sorted().map { kept.contains($0) ? $0 : "[REDACTED]" }
            .joined(separator: " "))
        #expect(!Redactor.isSecretName("PATH") && !Redactor.isSecretName("K") && Redactor.isSecretName("my_Key"))
    }

    @Test("events from outside are recorded once per id; capture's own are not checked")
    func deduplicates() {
        let sink = MemorySink()
        let (recorder, _) = Self.recorder(sink)
        recorder.write([Self.event("same"), Self.event("other")], deduplicating: true)
        recorder.write([Self.event("same")], deduplicating: true)
        recorder.write([Self.event("x"), Self.event("x")])
        #expect(sink.records.withLock { $0.count } == 4)
    }

    @Test("a record over the line limit is left out alone: the rest of its batch is stored, one warning")
    func oversizedRecordAlone() {
        let sink = MemorySink()
        let (recorder, warnings) = Self.recorder(sink)
        let batch = [Self.event("1"), Self.event("2", text: MemorySink.tooLarge), Self.event("3")]
        let oversized = recorder.write(batch, deduplicating: true)
        let stored = sink.records.withLock { $0 }.compactMap { record -> String? in
            guard case let .event(event) = record else { return nil }
            return event.id
        }
        #expect(stored == ["1", "3"])
        #expect(oversized == [OversizedRecord(position: 1, bytes: 9 << 20)])
        #expect(warnings.count == 1)
        #expect(!recorder.allWritesSucceeded)
        #expect(recorder.counts[.actions] == 2)
        // Its id was forgotten: the exporter's retry is refused again, not taken for a copy.
        #expect(recorder.write(batch, deduplicating: true) == [OversizedRecord(position: 1, bytes: 9 << 20)])
    }

    @Test("all or none: a record over the line limit stores nothing of its batch, and names its position")
    func oversizedRecordRefusesBatch() {
        let sink = MemorySink()
        let (recorder, _) = Self.recorder(sink)
        recorder.write([Self.event("0")], deduplicating: true)
        let batch = [Self.event("0"), Self.event("1"), Self.event("2", text: MemorySink.tooLarge)]
        let oversized = recorder.write(batch, deduplicating: true, oversize: .refuseAll)
        #expect(oversized == [OversizedRecord(position: 2, bytes: 9 << 20)])
        #expect(sink.records.withLock { $0.count } == 1)
        // Nothing of the batch counts as recorded: the same batch without the big event lands whole.
        recorder.write(Array(batch.prefix(2)), deduplicating: true, oversize: .refuseAll)
        #expect(sink.records.withLock { $0.count } == 2)
        #expect(recorder.counts[.actions] == 2)
    }

    @Test("a failing sink is warned about once and tried again, so records after it recovers land")
    func failureWarnsOnceAndRetries() {
        let sink = MemorySink()
        let (recorder, warnings) = Self.recorder(sink)
        sink.failing.withLock { $0 = true }
        recorder.write([Self.event("1")])
        recorder.write([Self.event("2")])
        sink.failing.withLock { $0 = false }
        recorder.write([Self.event("3")])
        #expect(warnings.count == 1)
        #expect(sink.records.withLock { $0.count } == 1)
        #expect(!recorder.allWritesSucceeded)
        #expect(recorder.counts[.actions] == 3)
    }

    /// One time limit for a whole record withheld every field after a slow one: a
    /// call's model too, priced $0 then (third hostile pass, round 13). Each text has
    /// the patterns' 100 ms of its own.
    @Test("a text the --redact patterns are slow on is withheld alone; the record's other fields are kept")
    func slowFieldAlone() throws {
        let redactor = try Redactor(environment: [:], patterns: ["(a+)+$"])
        let event = Event(type: .llms, initTimestamp: Timestamp(microseconds: 0), endTimestamp: Timestamp(microseconds: 0),
                          sessionID: SessionID.random(), fields: [
                              ("prompt", .string(String(repeating: "a", count: 40) + "!")),
                              ("model", .string("gpt-4o")), ("returns", .string("fine")),
                          ])
        guard case let .event(redacted) = redactor.redact(StoreRecord.event(event)) else {
            Issue.record("not an event")
            return
        }
        let fields = Dictionary(uniqueKeysWithValues: redacted.fields.map { ($0.0, $0.1) })
        #expect(fields["prompt"] == .string(Redactor.withheld))
        #expect(fields["model"] == .string("gpt-4o"))
        #expect(fields["returns"] == .string("fine"))
    }
}
