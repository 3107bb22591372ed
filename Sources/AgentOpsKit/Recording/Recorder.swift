import Foundation

/// The one place a run's records pass through: it redacts secrets, counts events, and
/// fans the records out to every sink.
///
/// Capture threads call it concurrently; a lock keeps each batch whole and in order
/// across sinks. A sink that fails is reported once through `warn` and then skipped
/// for the rest of the run, so a broken disk never disturbs the child.
public final class Recorder: @unchecked Sendable {
    /// The session records go into.
    public let sessionID: SessionID
    private let lock = NSLock()
    private let sinks: [RecordSink]
    private var brokenSinks = Set<ObjectIdentifier>()
    private let warn: @Sendable (String) -> Void
    private let redactor: Redactor
    private var eventCounts: [EventType: Int] = [:]

    /// A recorder for `sessionID` writing to `sinks`, redacting with `redactor`.
    public init(sessionID: SessionID, sinks: [RecordSink], redactor: Redactor,
                warn: @escaping @Sendable (String) -> Void) {
        self.sessionID = sessionID
        self.sinks = sinks
        self.redactor = redactor
        self.warn = warn
    }

    /// Passes `records`, secrets redacted, to every working sink.
    public func write(_ records: [StoreRecord]) {
        // Outside the lock: redacting a large event is the costly part.
        let records = redactor.isEmpty ? records : records.map(redactor.redact)
        lock.lock()
        defer { lock.unlock() }
        for record in records {
            if case let .event(event) = record { eventCounts[event.type, default: 0] += 1 }
        }
        for sink in sinks where !brokenSinks.contains(ObjectIdentifier(sink)) {
            do {
                try sink.write(records)
            } catch {
                brokenSinks.insert(ObjectIdentifier(sink))
                warn("recording to the \(sink.name) failed, the command goes on unrecorded there: \(error)")
            }
        }
    }

    /// Records one event.
    public func record(_ event: Event) { write([.event(event)]) }

    /// Events this recorder passed on, by type (the fallback for the closing line when
    /// the store cannot be read back).
    public var counts: [EventType: Int] {
        lock.lock()
        defer { lock.unlock() }
        return eventCounts
    }

    /// Whether every sink has worked so far.
    public var allSinksHealthy: Bool {
        lock.lock()
        defer { lock.unlock() }
        return brokenSinks.isEmpty
    }
}
