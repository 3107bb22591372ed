import Foundation

/// Follows one session's log from each exporter's cursor and hands every record to it:
/// the loop every exporter shares, so an exporter only says what a record becomes on
/// its wire.
///
/// Each exporter runs on a thread of its own, so a backend that is down (retrying
/// until the deadline) never holds back another; only when no thread can be had
/// (`ulimit -u`) do they run one after the other.
public struct LogFollower: Sendable {
    /// How often a followed log is looked at for new records when nothing wakes the
    /// follower: each look is an open, a seek and an empty read. A write to the log wakes
    /// it at once (`FileWatch`), so the end of a run does not wait for the next look.
    public static let followInterval: UInt32 = 25_000
    /// The least time between two passes over a log being written: a burst of appends
    /// is read (and sent) in one pass, not one pass each.
    public static let minimumPassInterval: UInt32 = 5_000

    /// The store holding the session.
    public let store: LocalStore
    /// The session.
    public let id: SessionID
    /// When to give up.
    public let deadline: DispatchTime

    /// A follower of session `id` in `store` that gives up at `deadline`.
    public init(store: LocalStore, id: SessionID, deadline: DispatchTime) {
        self.store = store
        self.id = id
        self.deadline = deadline
    }

    /// Exports the session with each of `exporters`, concurrently.
    ///
    /// - Parameter follow: keep going while the session is being recorded, until its
    ///   end is exported, the deadline passes, or the process that started this one
    ///   (agentops-run) is gone — then after one last pass.
    /// - Returns: one report per exporter, in the same order.
    public func run(_ exporters: [SessionExporter], follow: Bool) -> [ExportReport] {
        guard exporters.count > 1 else { return exporters.map { run($0, follow: follow) } }
        final class Box: @unchecked Sendable {
            // One slot per exporter thread, each written by its own thread only, and
            // read after the group is done.
            var reports: [ExportReport?]
            init(count: Int) { reports = Array(repeating: nil, count: count) }
        }
        let box = Box(count: exporters.count)
        let group = DispatchGroup()
        for (index, exporter) in exporters.enumerated() {
            nonisolated(unsafe) let exporter = exporter  // used by this one thread only
            group.enter()
            let job: @Sendable () -> Void = { [self] in
                box.reports[index] = run(exporter, follow: follow)
                group.leave()
            }
            // Without a thread (`ulimit -u`): this exporter runs here, before the next.
            if !PlainThread.start(name: "agentops export \(exporter.name)", job) { job() }
        }
        group.wait()
        return box.reports.map { $0! }
    }

    /// Exports the session with one exporter, on the calling thread.
    public func run(_ exporter: SessionExporter, follow: Bool) -> ExportReport {
        var report = ExportReport(exporter: exporter.name)
        let path = store.path(of: id)
        let parent = ThisProcess.parentID
        var lastPass = false
        var offset = exporter.acknowledgedOffset
        let watch = follow ? FileWatch(path: path) : nil
        let events = exporter.takesEvents
        do {
            var summary = offset > 0 ? try SessionLog.summary(path: path, upTo: offset, events: events) : nil
            while true {
                let passStart = DispatchTime.now()
                var ended = false
                let (_, end) = try SessionLog.read(path: path, from: offset, events: events) { record, recordEnd in
                    SessionSummary.fold(record, into: &summary)
                    guard let summary else { throw StoreError.noStartRecord(path: path) }
                    try exporter.take(record, session: summary, endingAt: recordEnd)
                    if case .end = record { ended = true }
                }
                try exporter.flush(endingAt: end, session: summary)
                offset = end
                if ended || !follow || lastPass { break }
                if DispatchTime.now() >= deadline { throw DeadlinePassed() }
                if ThisProcess.parentID != parent {
                    lastPass = true
                    continue
                }
                guard let watch else {
                    Clock.sleep(microseconds: Self.followInterval)
                    continue
                }
                watch.wait(milliseconds: Int32(Self.followInterval / 1000))
                let elapsed = (DispatchTime.now().uptimeNanoseconds - passStart.uptimeNanoseconds) / 1000
                if elapsed < UInt64(Self.minimumPassInterval) {
                    Clock.sleep(microseconds: Self.minimumPassInterval - UInt32(elapsed))
                }
            }
            report.complete = !lastPass || (exporter.acknowledgedOffset >= end(of: path) && summary?.end != nil)
        } catch {
            report.problem = "\(error)"
        }
        return report
    }

    private func end(of path: String) -> Int {
        Files.status(path).map { Int($0.size) } ?? 0
    }

    /// The follower's deadline passed before the session was exported.
    public struct DeadlinePassed: Error, CustomStringConvertible {
        public var description: String { "the deadline passed" }
    }
}
