import Foundation

/// The recording side of one agentops-run: its recorder into the session log, and how
/// this run ends its part of the session (the owner ends it; a run that joined records
/// its step).
final class SessionRun: Sendable {
    let sessionID: SessionID
    let owner: Bool
    let store: LocalStore
    let console: Console
    let recorder: Recorder
    let redactor: Redactor
    let prices: PriceTable

    init(sessionID: SessionID, owner: Bool, store: LocalStore, console: Console, redactor: Redactor,
         prices: PriceTable) {
        self.sessionID = sessionID
        self.prices = prices
        self.owner = owner
        self.store = store
        self.console = console
        self.redactor = redactor
        var log: SessionLog?
        do {
            log = try store.open(sessionID)
        } catch {
            console.warning("the session will not be recorded locally: \(error)")
        }
        recorder = Recorder(sessionID: sessionID, sink: log, redactor: redactor,
                            warn: { [console] in console.warning($0) })
    }

    /// Ends this run's part: the owner writes the end, lets the export finish within
    /// `flushTimeout`, and prints the closing lines; a joined run records its command
    /// as one action.
    ///
    /// - Returns: why the export did not finish, if it did not.
    @discardableResult
    func finish(start: Timestamp, commandLine: String, state: EndState, reason: String, exit: ChildExit?,
                export: BackgroundExport?, flushTimeout: Double) -> BackgroundExport.Failure? {
        let end = Timestamp.now()
        guard owner else {
            let outcome = exit?.description ?? reason
            recorder.record(.command(commandLine, outcome: outcome, from: start, to: end, session: sessionID))
            return nil
        }
        let stored = try? SessionLog.summary(path: store.path(of: sessionID))
        var summary = stored ?? SessionSummary(session: Session(id: sessionID, initTimestamp: start, tags: [],
                                                                hostEnv: .null, command: []))
        // The log could not be read back: count what this run recorded instead.
        if stored == nil || !recorder.allWritesSucceeded { summary.counts = recorder.counts }
        let (state, reason) = EndReason.combine(declared: summary.declared, with: (state, reason))
        let endRecord = StoreRecord.EndRecord(timestamp: end, state: state, reason: reason, exitCode: exit?.exitCode,
                                              signal: exit?.signalName)
        recorder.write([.end(endRecord)])
        summary.apply(.end(endRecord))
        // The export prints its own warning when it fails; one that is cut off by the
        // deadline is reported here.
        let failure = export?.finish(within: flushTimeout)
        if case let .unfinished(seconds)? = failure {
            console.warning("AgentOps API: the upload did not finish within \(DurationFormat.sdk(seconds)); "
                + "the session is kept locally (run 'agentops sync')")
        }
        // With the API, the cost is the server's token_cost, as the SDK prints it, and
        // the local figure beside it when they differ.
        let localCost = summary.cost(prices)
        var line = StatsLine.format(summary, cost: localCost, now: end)
        if export != nil, let serverCost = Cost.parse(SyncState.load(store: store, id: sessionID).tokenCost) {
            line = StatsLine.format(summary, cost: serverCost, localCost: localCost, now: end)
        }
        for problem in summary.problems { console.warning("\(problem)") }
        console.info("session \(sessionID) \(console.paint(state.rawValue, for: state)): \(redactor.redact(reason))")
        console.info(line)
        return failure
    }
}
