import Foundation
import Synchronization

/// Every stored session, newest first: what listing filters, sorts and totals on, held
/// packed (no `String`, no array per session), each session's row (`SessionRow`) and
/// full summary made only when asked for.
///
/// Filtering, sorting and totalling the store need a start, a state and a cost per
/// session; a table of 20 sessions needs 20 rows and 20 full summaries. Most sessions
/// of a large store are only counted and summed, so they stay bytes of the index
/// (`PackedRow`) and full summaries stay in `session-summaries.jsonl` until
/// `summary(at:)` reads one.
public struct SessionListing: Sendable {
    /// One session of the listing: plain values only, so that sorting 100,000 of them
    /// moves bytes and counts no references.
    struct Entry: Sendable {
        /// The session's id.
        var id: PackedSessionID
        /// The state of its log when listed.
        var key: SessionIndex.Key
        /// Its row when the index held it in the common shape; otherwise its start,
        /// state and end, the rest in `details[detail]`.
        var row: PackedRow
        /// Where its row is in `details`, for a row the index did not hold packed; -1
        /// for a packed one.
        var detail: Int32
    }

    /// A row the index did not hold packed.
    enum Detail: Sendable {
        /// Read from an index line of an unusual shape (escapes in a tag, uncosted
        /// usage); its summary at `row.summaryAt` of the summaries file as for any other.
        case indexed(SessionRow)
        /// Folded from the log while listing (a new or changed log).
        case folded(SessionRow, SessionSummary)

        var row: SessionRow {
            switch self {
            case let .indexed(row), let .folded(row, _): return row
            }
        }
    }

    /// The store listed.
    let store: LocalStore
    /// Every session, newest first.
    let entries: [Entry]
    /// The rows of entries not held packed.
    let details: [Detail]
    /// The index (`session-index.jsonl`) as it was read, which packed rows point into.
    let bytes: [UInt8]
    /// Why the index could not be saved after listing, when something stood in its way:
    /// a command that lists says so once, on stderr (`LocalStore.listing(warningOn:)`;
    /// the listing itself is whole).
    let unsavedIndex: StoreError?
    /// The logs in the store that hold no session (an empty file, one cut before its
    /// start record, one that cannot be read): not listed, but there.
    private let packedWithoutSession: [PackedSessionID]
    /// The logs whose start record names another session than their file name does.
    public let misnamed: [Misnamed]

    /// A log whose start record names another session than its file name does (renamed,
    /// or copied under another name): not listed, since no command finds it by the id it
    /// holds.
    public struct Misnamed: Sendable, Equatable {
        /// The id its file name says.
        public var file: SessionID
        /// The id of the session it holds.
        public var holds: SessionID
    }

    /// The entries named as logs that are not regular files.
    public let notRegular: [NotRegular]

    /// An entry named as a log (`ID.jsonl`) that is not a regular file: a symbolic link,
    /// a folder, a FIFO or a device, which the store never follows nor reads (a link
    /// planted there could point a writer at any file).
    public struct NotRegular: Sendable, Equatable {
        /// The id its name says.
        public var file: SessionID
        /// What it is.
        public var kind: FileStatus.Kind
    }

    /// Orders `entries` newest first.
    init(store: LocalStore, entries: [Entry], details: [Detail], bytes: [UInt8], unsavedIndex: StoreError?,
         withoutSession: [PackedSessionID] = [], misnamed: [Misnamed] = [], notRegular: [NotRegular] = []) {
        // Sorted as (start, position) pairs, then gathered once: sorting the entries
        // themselves moved a hundred bytes per swap.
        var order = entries.indices.map { (start: entries[$0].row.start, index: $0) }
        order.sort { $0.start > $1.start }
        self.store = store
        self.entries = order.map { entries[$0.index] }
        self.details = details
        self.bytes = bytes
        self.unsavedIndex = unsavedIndex
        packedWithoutSession = withoutSession
        self.misnamed = misnamed.sorted { $0.file.value < $1.file.value }
        self.notRegular = notRegular.sorted { $0.file.value < $1.file.value }
    }

    /// The ids of the logs in the store that hold no session: an empty file (a run that
    /// died as it started, before its first record), one cut before its start record,
    /// one that cannot be read. Left out of the listing; `agentops sessions` names them
    /// and `prune` removes them.
    public var withoutSession: [SessionID] { packedWithoutSession.map(\.sessionID) }

    /// What `sessions` and `sync` say of `withoutSession`, when there are any: left
    /// unsaid, a run that died as it started (under `ulimit -s 24`, before its first
    /// record) would leave a file that no command shows.
    public var withoutSessionNote: String? {
        let ids = withoutSession
        guard !ids.isEmpty else { return nil }
        // Whole ids: their first eight characters need not tell the files apart.
        let shown = ids.map(\.value).sorted().prefix(5).joined(separator: ", ")
        let one = ids.count == 1
        return "\(ids.count) file\(one ? "" : "s") in the store hold\(one ? "s" : "") no session, empty or cut before "
            + "the start record (a run that died as it started): \(shown)\(ids.count > 5 ? ", …" : "");"
            + " 'agentops prune' removes \(one ? "it" : "them")"
    }

    /// What `sessions`, `report --sessions` and `sync` say of `misnamed`, when there are
    /// any: which file holds which session, and for each of the first five how to list it
    /// again (the rest were named by count only, with the first file's advice alone).
    public var misnamedNote: String? {
        guard !misnamed.isEmpty else { return nil }
        let one = misnamed.count == 1
        let shown = misnamed.prefix(5).map { "\($0.file.value).jsonl holds \($0.holds.value)\(advice(on: $0))" }
        return "\(misnamed.count) file\(one ? "" : "s") in the store hold\(one ? "s" : "") a session under another id, "
            + "left out: " + shown.joined(separator: "; ") + (misnamed.count > 5 ? "; and \(misnamed.count - 5) more" : "")
    }

    /// How to list `file`'s session again without losing another.
    private func advice(on file: Misnamed) -> String {
        let target = "\(file.holds.value).jsonl"
        // A copy beside the file it was copied from: renaming it over that file would
        // lose the session listed (second hostile pass, round 12).
        if entries.contains(where: { $0.id.sessionID == file.holds }) {
            return ", which is listed from \(target) (a copy? compare the two before removing either)"
        }
        // Two copies of one session, neither under its name: renaming both there would
        // keep the last only.
        if let twin = misnamed.first(where: { $0.holds == file.holds && $0.file != file.file }) {
            return ", as does \(twin.file.value).jsonl (compare the two, then rename one to \(target))"
        }
        // A file under that name holds another session (two files swapped): renaming over
        // it would lose that one (third hostile pass, round 12).
        if Files.status(store.path(of: file.holds)) != nil {
            return ", and \(target) holds another session (compare them before renaming either)"
        }
        return " (rename it to \(target) to list it)"
    }

    /// What `sessions`, `report --sessions` and `sync` say of `notRegular`, when there
    /// are any: left unsaid, a session log moved elsewhere and linked back looked like
    /// an empty store (round 13's known-left list).
    public var notRegularNote: String? {
        guard !notRegular.isEmpty else { return nil }
        let one = notRegular.count == 1
        let shown = notRegular.prefix(5).map { entry in
            let kind = switch entry.kind {
            case .symbolicLink: "a symbolic link"
            case .directory: "a folder"
            case .regular, .other: "a FIFO, socket or device"
            }
            return "\(entry.file.value).jsonl (\(kind))"
        }
        return "\(notRegular.count) entr\(one ? "y" : "ies") in the store \(one ? "is" : "are") not a regular file, "
            + "left out (the store never follows one; put the session's file itself there): "
            + shown.joined(separator: "; ") + (notRegular.count > 5 ? "; and \(notRegular.count - 5) more" : "")
    }

    /// Every note on the store's files that are not listed (`withoutSessionNote`,
    /// `misnamedNote`, `notRegularNote`).
    public var notes: [String] { [withoutSessionNote, misnamedNote, notRegularNote].compactMap { $0 } }

    /// How many sessions there are.
    public var count: Int { entries.count }

    /// The id of the session at `index`.
    public func id(at index: Int) -> SessionID { entries[index].id.sessionID }

    /// When the session at `index` started.
    public func start(at index: Int) -> Timestamp { Timestamp(microseconds: entries[index].row.start) }

    /// Whether the end record of the session at `index` was folded in.
    public func isEnded(at index: Int) -> Bool { entries[index].row.ended }

    /// The stored end state of the session at `index`.
    public func endState(at index: Int) -> EndState { entries[index].row.state }

    /// The tags of the session at `index`.
    public func tags(at index: Int) -> [String] {
        let entry = entries[index]
        if entry.detail >= 0 { return details[Int(entry.detail)].row.tags }
        return bytes.withUnsafeBufferPointer { entry.row.tagList(in: $0) }
    }

    /// The row of the session at `index`.
    public func row(at index: Int) -> SessionRow {
        let entry = entries[index]
        if entry.detail >= 0 { return details[Int(entry.detail)].row }
        return SessionRow(id: entry.id.sessionID, initTimestamp: Timestamp(microseconds: entry.row.start),
                          endState: entry.row.state, ended: entry.row.ended, tags: tags(at: index),
                          recordedCost: entry.row.recordedCost, usage: [:])
    }

    /// Every row, newest first.
    public var rows: [SessionRow] { entries.indices.map(row(at:)) }

    /// The total cost (as `SessionRow.cost` computes each) and the count of failed
    /// sessions among those at `indices`.
    ///
    /// Packed costs are summed as integers of 10^-18 dollars, exactly (a `Decimal`
    /// addition costs more than reading a row); the sum becomes a `Decimal` once.
    public func totals(of indices: [Int], prices: PriceTable) -> (cost: Decimal, failed: Int) {
        var exact: Int128 = 0
        var rest = Decimal(0)
        var failed = 0
        for index in indices {
            let entry = entries[index]
            if entry.row.state == .fail { failed += 1 }
            if entry.detail >= 0 {
                let cost = details[Int(entry.detail)].row.cost(prices)
                if !cost.isZero { rest += cost }
                continue
            }
            guard entry.row.costSignificand != 0 else { continue }
            // Below 10^18 × 10^18: within Int128. Only the sum can overflow, far past
            // any real total; it is then carried over into the `Decimal`.
            let scaled = Int128(entry.row.costSignificand) * Self.powersOfTen[18 - Int(entry.row.costFraction)]
            let (sum, overflow) = exact.addingReportingOverflow(scaled)
            if overflow {
                rest += Self.decimal(attos: exact)
                exact = scaled
            } else {
                exact = sum
            }
        }
        return (exact == 0 ? rest : rest + Self.decimal(attos: exact), failed)
    }

    private static let powersOfTen: [Int128] = (0...18).map { power in
        (0..<power).reduce(Int128(1)) { value, _ in value * 10 }
    }

    /// `attos` × 10^-18, exactly: its digits with a point put in.
    static func decimal(attos: Int128) -> Decimal {
        var digits = String(attos)
        if digits.count < 19 { digits = String(repeating: "0", count: 19 - digits.count) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -18))
        return Decimal(string: digits) ?? 0
    }

    /// The full summary of the session at `index`; nil when its index entry turns out
    /// damaged and its log can no longer be read either.
    ///
    /// The summary line must carry the session's id and the very key of the log it was
    /// listed with, and agree with the session's row (start, state, tags, cost), or it
    /// is a miss like any damaged entry: the log is folded instead, so a damaged, stale
    /// or moved summary never gives a wrong one.
    public func summary(at index: Int) -> SessionSummary? {
        let file = SessionIndex(store: store).openSummaries()
        defer { file.map(Descriptors.close) }
        return summary(at: index, file: file)
    }

    private func summary(at index: Int, file: Int32?) -> SessionSummary? {
        let entry = entries[index]
        if entry.detail >= 0, case let .folded(_, summary) = details[Int(entry.detail)] { return summary }
        let id = entry.id.sessionID
        let path = store.path(of: id)
        // A summary that disagrees with its row (whose check held) was edited apart from
        // it: the table would show one cost and total another.
        if let file, let summary = SessionIndex.summary(of: id, key: entry.key, at: entry.row.summaryAt,
                                                        count: entry.row.summaryBytes, path: path, file: file),
           SessionRow(summary) == row(at: index) {
            return summary
        }
        return try? SessionLog.summary(path: path)
    }

    /// Every session's full summary, newest first, decoded on every core (sessions are
    /// independent).
    public func summaries() -> [SessionSummary] {
        let file = SessionIndex(store: store).openSummaries()
        defer { file.map(Descriptors.close) }
        let parts = ParallelChunks.map(entries.count, minimumPerChunk: 512) { range in
            range.compactMap { summary(at: $0, file: file) }
        }
        return parts.flatMap { $0 }
    }
}
