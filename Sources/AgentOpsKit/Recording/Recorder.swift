import Synchronization

/// The one door into a session for a run: capture, the listener and the run itself
/// hand it records; it redacts secrets, drops events from outside it already recorded
/// (an SDK or OTLP exporter retrying a batch), counts events, and appends to the session log.
///
/// Capture threads and listener connections call it concurrently; a mutex keeps each
/// batch whole and in order. A failed append is reported once through `warn` and the
/// next one is tried again, so a disk that fills and frees again loses only what was
/// written while it was full, and a broken disk never disturbs the command.
public final class Recorder: CapturedEventSink {
    /// The session records go into.
    public let sessionID: SessionID
    private let sink: RecordSink?
    private let redactor: Redactor
    private let warn: @Sendable (String) -> Void
    private let state = Mutex(State())

    private struct State {
        var counts: [EventType: Int] = [:]
        var recordedIDs = Set<String>()
        var warned = false
        var failures = 0
    }

    /// A recorder for `sessionID` appending to `sink` (nil: count only, when the store
    /// could not be opened), redacting with `redactor`.
    public init(sessionID: SessionID, sink: RecordSink?, redactor: Redactor,
                warn: @escaping @Sendable (String) -> Void) {
        self.sessionID = sessionID
        self.sink = sink
        self.redactor = redactor
        self.warn = warn
    }

    /// Appends `records`, secrets redacted.
    ///
    /// - Parameter deduplicating: leave out events whose id this recorder already
    ///   recorded through this door: for events from outside (the SDK, OTLP exporters),
    ///   which retry whole batches. Capture's own events have fresh ids and skip the
    ///   bookkeeping, so a long run's memory does not grow with its output.
    public func write(_ records: [StoreRecord], deduplicating: Bool = false) {
        // Outside the lock: redacting a large event is the costly part.
        let records = redactor.isEmpty ? records : records.map(redactor.redact)
        state.withLock { state in
            let fresh = !deduplicating ? records : records.filter { record in
                guard case let .event(event) = record else { return true }
                return state.recordedIDs.insert(event.id).inserted
            }
            guard !fresh.isEmpty else { return }
            for case let .event(event) in fresh { state.counts[event.type, default: 0] += 1 }
            guard let sink else { return }
            do throws(StoreError) {
                try sink.append(fresh)
            } catch .recordTooLarge where fresh.count > 1 {
                // One record over the line limit (a huge span attribute) must not take
                // the rest of its batch with it: those go in one by one.
                for record in fresh {
                    do throws(StoreError) {
                        try sink.append([record])
                    } catch {
                        failed(error, &state)
                    }
                }
            } catch {
                failed(error, &state)
            }
        }
    }

    /// Counts a failed append, and warns of the first.
    private func failed(_ error: StoreError, _ state: inout State) {
        state.failures += 1
        guard !state.warned else { return }
        state.warned = true
        warn("recording to the local store failed, the command goes on (later records are still tried): \(error)")
    }

    /// Records one event.
    public func record(_ event: Event) { write([.event(event)]) }

    public var redactionMargin: Int { max(0, redactor.longestMatch - 1) }

    public func redact(_ text: String) -> String { redactor.redact(text) }

    /// Events this recorder passed on, by type (the closing line's counts when this
    /// run wrote everything itself, or the store cannot be read back).
    public var counts: [EventType: Int] { state.withLock { $0.counts } }

    /// Whether every append so far worked.
    public var allWritesSucceeded: Bool { sink != nil && state.withLock { $0.failures == 0 } }
}
