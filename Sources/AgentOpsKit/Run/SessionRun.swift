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
    /// The log as the recorder appends to it (counting only when the store could not be opened).
    private let sink: SummarizingSink
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
        // A new session's file is created by its first record, the start, which the
        // owner writes on a thread of its own (`SummarizingSink` says why); a joined
        // run's log exists, and is opened now.
        let sink = SummarizingSink(opening: { () throws(StoreError) in try store.open(sessionID) },
                                   cannotOpen: { [console] in
                                       console.warning("the session will not be recorded locally: \($0)")
                                   })
        if !owner { sink.openNow() }
        self.sink = sink
        recorder = Recorder(sessionID: sessionID, sink: sink, redactor: redactor,
                            warn: { [console] in console.warning($0) })
    }

    /// How this run's part ended.
    struct Ending {
        /// The session's state: the exit's, combined with one declared from inside.
        var state: EndState
        /// Why the export did not finish, if it did not.
        var exportFailure: BackgroundExport.Failure?
    }

    /// Ends this run's part: the owner writes the end, lets the export finish within
    /// `flushTimeout`, prints the closing lines, and in GitHub Actions mode reports to
    /// the runner; a joined run records its command as one action.
    ///
    /// - Parameters:
    ///   - interventions: what agentops-run did to the command (limits are warned of).
    ///   - github: the environment, when GitHub Actions mode is on.
    ///   - needsDeclared: a joined run reads the state declared in the session (for
    ///     `--fail-on-declared`); the owner always does.
    @discardableResult
    func finish(start: Timestamp, commandLine: String, state: EndState, reason: String, exit: ChildExit?,
                export: BackgroundExport?, flushTimeout: Double, interventions: [Supervisor.Intervention] = [],
                github: [String: String]? = nil, needsDeclared: Bool = false,
                interruptedBy: () -> Int32? = { nil }) -> Ending {
        let end = Timestamp.now()
        guard owner else {
            let outcome = exit?.description ?? reason
            recorder.record(.command(commandLine, outcome: outcome, from: start, to: end, session: sessionID))
            let declared = needsDeclared ? (try? SessionLog.summary(path: store.path(of: sessionID)))?.declared : nil
            return Ending(state: EndReason.combine(declared: declared, with: (state, reason)).0)
        }
        // No read-back when this run wrote the whole log itself (`SummarizingSink`).
        let stored = sink.ownSummary ?? (try? SessionLog.summary(path: store.path(of: sessionID)))
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
        let failure = export?.finish(within: flushTimeout, interruptedBy: interruptedBy)
        switch failure {
        case .unfinished?, .interrupted?:
            console.warning("\(export!.destination): \(failure!); the session is kept locally (run 'agentops sync')")
        default: break
        }
        // With the API, the cost is the server's token_cost, as the SDK prints it, and
        // the local figure beside it when they differ.
        let localCost = summary.cost(prices)
        var line = StatsLine.format(summary, cost: localCost, now: end)
        if export != nil, let serverCost = Cost.parse(SyncState.load(store: store, id: sessionID).tokenCost) {
            line = StatsLine.format(summary, cost: serverCost, localCost: localCost, now: end)
        }
        for problem in summary.problems { console.warning("\(problem)") }
        // Control characters of a reason (a command's name in it) shown as escapes, not
        // sent to the terminal (hostile pass, round 10).
        console.info("session \(sessionID) \(console.paint(state.rawValue, for: state)): "
            + TerminalText.cell(redactor.redact(reason)))
        console.info(line)
        if let github {
            let report = GitHubActions.Report(
                sessionID: sessionID, commandLine: redactor.redact(commandLine), state: state,
                reason: redactor.redact(reason), summary: summary, cost: localCost,
                details: .read(path: store.path(of: sessionID)), prices: prices,
                limits: EndReason.limitsReached(interventions), end: end)
            reportToGitHub(report, environment: github)
        }
        return Ending(state: state, exportFailure: failure)
    }

    /// Appends the job summary and the step outputs to the runner's files, and prints
    /// the annotations on stderr (whatever `--quiet` says: they are this mode's output).
    private func reportToGitHub(_ report: GitHubActions.Report, environment: [String: String]) {
        let files = [
            ("GITHUB_STEP_SUMMARY", GitHubActions.summaryMarkdown(report)),
            ("GITHUB_OUTPUT", GitHubActions.outputFile(GitHubActions.outputs(report))),
        ]
        for (variable, text) in files {
            guard let path = environment[variable], !path.isEmpty else { continue }
            if let problem = GitHubActions.append(text, to: path) {
                console.warning("GitHub Actions: could not write \(variable): \(problem)")
            }
        }
        let annotations = GitHubActions.annotations(report)
        if !annotations.isEmpty {
            Descriptors.writeAll(Array((annotations.joined(separator: "\n") + "\n").utf8), to: 2)
        }
    }
}
