import Foundation
import Synchronization

/// Every stored session as a row (`SessionRow`), newest first, with each one's full
/// summary decoded only when asked for.
///
/// Filtering, sorting and totalling the store need its rows; a table of 20 sessions
/// needs 20 full summaries. Most of an index entry, and most of decoding one, is the
/// full summary (the host environment alone is half of it), so it stays undecoded bytes
/// of the index until `summary(at:)`.
public struct SessionListing: Sendable {
    /// Where a row's full summary comes from.
    enum Source: Sendable {
        /// The summary JSON at this range of the index's bytes.
        case indexed(Range<Int>)
        /// Folded from the log while listing (a new or changed log).
        case folded(SessionSummary)
    }

    /// The store listed.
    let store: LocalStore
    /// Every session's row, newest first.
    public let rows: [SessionRow]
    /// Each row's summary, by the row's position.
    let sources: [Source]
    /// The index as it was read, which `.indexed` ranges point into.
    let bytes: [UInt8]

    /// Orders `rows` (and their sources) newest first.
    init(store: LocalStore, rows: [SessionRow], sources: [Source], bytes: [UInt8]) {
        let order = rows.indices.sorted { rows[$0].initTimestamp > rows[$1].initTimestamp }
        self.store = store
        self.rows = order.map { rows[$0] }
        self.sources = order.map { sources[$0] }
        self.bytes = bytes
    }

    /// The full summary of the row at `index`; nil when its index entry turns out
    /// damaged and its log can no longer be read either.
    ///
    /// An entry whose row decoded but whose summary does not is a miss like any damaged
    /// entry: the log is folded instead, so a damaged index never gives a wrong summary.
    public func summary(at index: Int) -> SessionSummary? {
        let path = store.path(of: rows[index].id)
        switch sources[index] {
        case let .folded(summary):
            return summary
        case let .indexed(range):
            if let json = try? JSONParser.parse(bytes[range]), let summary = SessionSummary(indexJSON: json, path: path),
               summary.session.id == rows[index].id {
                return summary
            }
            return try? SessionLog.summary(path: path)
        }
    }

    /// Every row's full summary, newest first, decoded on every core (as the index's
    /// entries are: lines are independent).
    public func summaries() -> [SessionSummary] {
        let chunks = min(rows.count / 512 + 1, ProcessInfo.processInfo.activeProcessorCount * 4)
        let parts = Mutex<[[SessionSummary?]]>(Array(repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let part = ((rows.count * chunk / chunks)..<(rows.count * (chunk + 1) / chunks)).map { summary(at: $0) }
            parts.withLock { $0[chunk] = part }
        }
        return parts.withLock { $0.flatMap { $0.compactMap { $0 } } }
    }
}
