import Foundation
import Glibc

/// `agentops-run`: everything between the parsed command line and the exit status.
public enum RunCommand {
    /// Runs agentops-run with `arguments` (without argv[0]).
    ///
    /// Call `StartupSignals.capture()` before this, first thing in `main`.
    ///
    /// - Returns: how agentops-run must end (the child's status, or its signal).
    public static func main(arguments: [String], environment given: [String: String]) -> WrapperExit {
        StandardDescriptors.ensureOpen()
        // Inside another run, AGENTOPS_API_ENDPOINT may be that run's listener: this
        // run's own settings are the real ones behind it.
        let environment = ListenerEnvironment.upstream(given)
        let options: RunOptions
        do {
            options = try RunOptions.parse(arguments)
        } catch {
            let console = Console(program: "agentops-run", quiet: false, environment: environment)
            let hint = if case .unknownOption = error { "; put '--' before a command that starts with '-'" } else { "" }
            console.error("\(error)\(hint)")
            return .code(ExitCodes.usage)
        }
        if options.showHelp {
            print(RunOptions.helpText)
            return .code(0)
        }
        if options.showVersion {
            print("agentops-run \(Version.current)")
            return .code(0)
        }
        let console = Console(program: "agentops-run", quiet: options.quiet, environment: environment)
        let redactor: Redactor
        do {
            redactor = try Redactor(environment: environment, patterns: options.redactPatterns)
        } catch {
            console.error("\(error)")
            return .code(ExitCodes.usage)
        }

        let joined: SessionID?
        let prices: PriceTable
        do {
            joined = try options.sessionToJoin(environment: environment)
            prices = try PriceTable.configured(file: options.pricesFile, environment: environment)
        } catch {
            console.error("\(error)")
            return .code(ExitCodes.usage)
        }

        // Before anything slow: a signal arriving from here on is forwarded to the child
        // (queued until it exists) instead of killing agentops-run.
        let supervisor = Supervisor()
        _ = SignalRelay { supervisor.deliver($0) }

        let sessionID = joined ?? .random()
        let store = LocalStore(environment: environment)
        let owner = joined == nil || !store.exists(sessionID)
        let run = SessionRun(sessionID: sessionID, owner: owner, store: store, console: console, redactor: redactor,
                             prices: prices)
        let start = Timestamp.now()
        let workingDirectory = FileManager.default.currentDirectoryPath

        if owner {
            let defaultTags = environment["AGENTOPS_DEFAULT_TAGS"].map { [$0] } ?? []
            let session = Session(
                id: sessionID, initTimestamp: start, tags: options.tags + defaultTags,
                hostEnv: HostEnvironment.collect(workingDirectory: workingDirectory, environment: environment),
                command: options.command, video: options.video)
            run.recorder.write([.start(session)])
        } else if !options.tags.isEmpty {
            run.addTags(options.tags)
        }

        // Only the run that owns the session uploads it; a malformed key is one warning.
        var uploadEnvironment: [String: String]?
        var apiKey: String?
        if let key = environment["AGENTOPS_API_KEY"], !key.isEmpty {
            if SessionID(key) == nil {
                if owner { console.warning("AGENTOPS_API_KEY is not a UUID; recording locally only") }
            } else {
                apiKey = key
                if owner { uploadEnvironment = environment }
            }
        }
        var upload: BackgroundUpload?
        var uploadFailure: BackgroundUpload.Failure?

        // The SDK in the command records into this session through the listener,
        // unless --no-listener, or an outer run's listener already serves the session.
        var (listener, childEnvironment) = SDKListenerOffer.make(
            session: sessionID, options: options, given: given, upstream: environment, apiKey: apiKey,
            recorder: run.recorder, sessionPath: store.path(of: sessionID), prices: prices, console: console)
        childEnvironment["AGENTOPS_SESSION_ID"] = sessionID.value
        let commandLine = ShellQuoting.join(options.command)
        let outcome: Supervisor.Outcome
        do {
            let executable = try CommandResolver.resolve(options.command[0], searchPath: childEnvironment["PATH"])
            let configuration = Supervisor.Configuration(
                executable: executable, arguments: Array(options.command.dropFirst()), environment: childEnvironment,
                limits: options.captureLimits,
                timeout: options.timeout, timeoutSignal: options.timeoutSignal, killAfter: options.killAfter,
                terminalMode: options.terminalMode)
            // A stream an outer run records is not recorded again here; with --no-capture
            // none is, and nested runs are told so (through the marker) unless an outer
            // run records it anyway.
            let upstream = Set(OutputStream.allCases.filter {
                CaptureMarker.isRecordedUpstream($0, session: sessionID, environment: environment)
            })
            let recorder: Recorder? = options.noCapture ? nil : run.recorder
            outcome = try supervisor.run(
                configuration,
                stdoutRecorder: upstream.contains(.stdout) ? nil : recorder,
                stderrRecorder: upstream.contains(.stderr) ? nil : recorder,
                session: sessionID,
                recordedStreams: options.noCapture ? upstream : Set(OutputStream.allCases),
                afterLaunch: {
                    listener?.start()
                    guard let uploadEnvironment else { return }
                    switch BackgroundUpload.start(session: sessionID, environment: uploadEnvironment) {
                    case let .success(started): upload = started
                    case let .failure(failure): uploadFailure = failure
                    }
                })
        } catch {
            listener?.stop()
            console.error("\(error)")
            let (state, reason) = EndReason.of(launchError: error)
            run.finish(start: start, commandLine: commandLine, state: state, reason: reason, exit: nil,
                       upload: nil, flushTimeout: options.flushTimeout)
            return .code(error.exitCode)
        }

        // What the SDK sent is in before the session is ended.
        listener?.stop()
        if let uploadFailure { console.warning("AgentOps API: \(uploadFailure); the session is kept locally") }
        let (state, reason) = EndReason.of(exit: outcome.exit, forwardedSignals: outcome.forwardedSignals,
                                           interventions: outcome.interventions)
        let failure = run.finish(start: start, commandLine: commandLine, state: state, reason: reason,
                                 exit: outcome.exit, upload: upload, flushTimeout: options.flushTimeout)
            ?? uploadFailure
        let exit = EndReason.wrapperExit(exit: outcome.exit, interventions: outcome.interventions)
        if options.strict, uploadEnvironment != nil, failure != nil, exit == .code(0) { return .code(ExitCodes.telemetry) }
        return exit
    }
}

/// Exit statuses of agentops-run's own making.
public enum ExitCodes {
    /// agentops-run was called wrongly (as `timeout`, `env` and `chroot` use 125).
    public static let usage: Int32 = 125
    /// With `--strict`: the command succeeded but the upload did not (EX_TEMPFAIL:
    /// the session is kept, `agentops sync` can finish it).
    public static let telemetry: Int32 = 75
}

/// The recording side of one agentops-run: the recorder, and how this run ends its
/// part of the session (the owner ends it; a run that joined records its step).
final class SessionRun: @unchecked Sendable {
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
        var sinks: [RecordSink] = []
        do {
            sinks.append(StoreSink(file: try store.open(sessionID)))
        } catch {
            console.warning("the session will not be recorded locally: \(error)")
        }
        recorder = Recorder(sessionID: sessionID, sinks: sinks, redactor: redactor,
                            warn: { [console] in console.warning($0) })
    }

    /// Adds tags to a session this run joined (the owner's tags stay first).
    func addTags(_ tags: [String]) {
        let current = (try? SessionSummary.load(path: store.path(of: sessionID)))?.session.tags ?? []
        let merged = Tags.normalized(current + tags)
        if merged != current { recorder.write([.tags(merged)]) }
    }

    /// Ends this run's part: the owner writes the end, lets the upload finish within
    /// `flushTimeout`, and prints the closing lines; a joined run records its command
    /// as one action.
    ///
    /// - Returns: why the upload did not finish, if it did not.
    @discardableResult
    func finish(start: Timestamp, commandLine: String, state: EndState, reason: String, exit: ChildExit?,
                upload: BackgroundUpload?, flushTimeout: Double) -> BackgroundUpload.Failure? {
        let end = Timestamp.now()
        guard owner else {
            let outcome = exit?.description ?? reason
            recorder.record(.command(commandLine, outcome: outcome, from: start, to: end, session: sessionID))
            return nil
        }
        let stored = try? SessionSummary.load(path: store.path(of: sessionID))
        var summary = stored ?? SessionSummary(session: Session(id: sessionID, initTimestamp: start, tags: [],
                                                                hostEnv: .null, command: []))
        // The store could not be read back: count what this run recorded instead.
        if stored == nil || !recorder.allSinksHealthy { summary.counts = recorder.counts }
        let (state, reason) = EndReason.combine(declared: summary.declared, with: (state, reason))
        let endRecord = StoreRecord.EndRecord(timestamp: end, state: state, reason: reason, exitCode: exit?.exitCode,
                                              signal: exit?.signalName)
        recorder.write([.end(endRecord)])
        summary.apply(.end(endRecord))
        // The upload prints its own warning when it fails; one that is cut off by the
        // deadline is reported here.
        let failure = upload?.finish(within: flushTimeout)
        if case let .unfinished(seconds)? = failure {
            console.warning("AgentOps API: the upload did not finish within \(DurationFormat.sdk(seconds)); "
                + "the session is kept locally (run 'agentops sync')")
        }
        // With the API, the cost is the server's token_cost, as the SDK prints it, and
        // the local figure beside it when they differ.
        let localCost = summary.cost(prices)
        var line = StatsLine.format(summary, cost: localCost, now: end)
        if upload != nil, let serverCost = Cost.parse(SyncState.load(store: store, id: sessionID).tokenCost) {
            line = StatsLine.format(summary, cost: serverCost, localCost: localCost, now: end)
        }
        for problem in summary.problems { console.warning("\(problem)") }
        console.info("session \(sessionID) \(console.paint(state.rawValue, for: state)): \(redactor.redact(reason))")
        console.info(line)
        return failure
    }
}
