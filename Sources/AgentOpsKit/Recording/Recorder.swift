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
        var recordedIDs = RecordedIDs()
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

    /// Appends `records`, secrets redacted, in one append.
    ///
    /// - Parameters:
    ///   - deduplicating: leave out events whose id this recorder already recorded
    ///     through this door: for events from outside (the SDK, OTLP exporters), which
    ///     retry whole batches. Capture's own events have fresh ids and skip the
    ///     bookkeeping, so a long run's memory does not grow with its output.
    ///   - oversize: what to do with records over the log's line limit (a huge span
    ///     attribute): leave them out alone (the default), or store none of the batch.
    /// - Returns: the records over the line limit, by their position in `records`, not
    ///   stored (and their ids forgotten again, so that a retry is refused the same
    ///   way), for the caller to tell its client. The first is also warned about.
    @discardableResult
    public func write(_ records: [StoreRecord], deduplicating: Bool = false,
                      oversize: OversizePolicy = .leaveOut) -> [OversizedRecord] {
        // Outside the lock: redacting a large event is the costly part.
        let records = redactor.isEmpty ? records : records.map(redactor.redact)
        return state.withLock { state -> [OversizedRecord] in
            var fresh = records
            // The position in `records` of each of `fresh`, when some were left out.
            var positions: [Int]?
            if deduplicating {
                var kept: [Int] = []
                kept.reserveCapacity(records.count)
                for (position, record) in records.enumerated() {
                    if case let .event(event) = record, !state.recordedIDs.insert(event.id) { continue }
                    kept.append(position)
                }
                if kept.count < records.count {
                    fresh = kept.map { records[$0] }
                    positions = kept
                }
            }
            guard !fresh.isEmpty else { return [] }
            var oversized: [OversizedRecord] = []
            if let sink {
                do throws(StoreError) {
                    oversized = try sink.append(fresh, oversize: oversize)
                } catch {
                    failed(error, &state)
                }
            }
            let refusedAll = oversize == .refuseAll && !oversized.isEmpty
            var left = Set(oversized.map(\.position))
            if refusedAll { left = Set(fresh.indices) }
            for (index, record) in fresh.enumerated() {
                guard case let .event(event) = record else { continue }
                if left.contains(index) {
                    if deduplicating { state.recordedIDs.remove(event.id) }
                } else {
                    state.counts[event.type, default: 0] += 1
                }
            }
            if let first = oversized.first {
                failed(.recordTooLarge(path: "the session log", bytes: first.bytes, limit: SessionLog.maxLineBytes),
                       &state)
            }
            return oversized.map { OversizedRecord(position: positions?[$0.position] ?? $0.position, bytes: $0.bytes) }
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
    public var redactionReplacement: String { Redactor.replacement }

    public func redact(_ text: String) -> String { redactor.redact(text) }

    /// Events this recorder passed on, by type (the closing line's counts when this
    /// run wrote everything itself, or the store cannot be read back).
    public var counts: [EventType: Int] { state.withLock { $0.counts } }

    /// Whether every append so far worked.
    public var allWritesSucceeded: Bool { sink != nil && state.withLock { $0.failures == 0 } }
}
