import Foundation

/// One agentops-run from parsed options to its exit: the session it records into, the
/// listener and exporters it offers, the supervised command, and how it all ends.
///
/// The order matters and is the design: signals are caught before anything slow (and
/// forwarded once the command runs); the session's start is in the log before the
/// command starts; the listener and the background exporters start once the command
/// runs, never delaying it; the listener stops before the end is written, so what the
/// command's SDK sent is in first.
public enum WrappedRun {
    /// Runs the command of `options` as a recorded session.
    ///
    /// - Parameter given: the environment agentops-run was started with.
    /// - Returns: how agentops-run must end.
    public static func execute(_ options: RunOptions, environment given: [String: String]) -> WrapperExit {
        // Inside another run, AGENTOPS_API_ENDPOINT may be that run's listener: this
        // run's own settings are the real ones behind it.
        let environment = ListenerEnvironment.upstream(given)
        let console = Console(program: "agentops-run", quiet: options.quiet, environment: environment)
        let redactor: Redactor
        let joined: SessionID?
        let prices: PriceTable
        // An outer run's patterns, then this run's: all of them go on to the command.
        let inherited: [String]
        let patterns: [String]
        do {
            inherited = try InheritedRedaction.patterns(environment)
            redactor = try Redactor(environment: environment, patterns: options.redactPatterns, inherited: inherited)
            patterns = inherited + options.redactPatterns.filter { !inherited.contains($0) }
            joined = try options.sessionToJoin(environment: environment)
            prices = try PriceTable.configured(file: options.pricesFile, environment: environment)
        } catch {
            console.error("\(error)")
            return .code(ExitCodes.usage)
        }

        // A session to join whose file holds another session (renamed, or a copy): what
        // this run records would go into that one (third hostile pass, round 13).
        if let joined, let problem = LocalStore(environment: environment).holdsAnotherSession(joined) {
            console.error("\(problem)")
            return .code(ExitCodes.usage)
        }

        // Before anything slow: a signal arriving from here on is forwarded to the child
        // (queued until it exists, in the relay's pipe until the command runs) instead
        // of killing agentops-run.
        let supervisor = Supervisor()
        let relay = SignalRelay { supervisor.deliver($0) }
        supervisor.takeEarlySignals { relay.pending() }

        let sessionID = joined ?? .random()
        let store = LocalStore(environment: environment)
        let owner = joined == nil || !store.exists(sessionID)
        let run = SessionRun(sessionID: sessionID, owner: owner, store: store, console: console, redactor: redactor,
                             prices: prices)
        let start = Timestamp.now()
        // GitHub Actions mode reports the session the run owns to the runner.
        let githubEnvironment = owner && GitHubActions.isEnabled(option: options.github, environment: environment)
            ? environment : nil
        // The session's start (its host environment read from /proc, the first record)
        // must be in the log before the command starts, so that what the command
        // records (`agentops event`, a nested run) finds it. Nothing else waits for it,
        // so it is written on a thread of its own from here on, beside the listener's
        // set-up and the exec helper's spawn (`EarlyWork`); `recordStart` waits for it
        // where it must be done: before the command is released (`Supervisor.run`'s
        // `beforeCommand`), before the LLM proxy records, or when no command starts.
        let startWrite = owner ? EarlyWork(name: "agentops-run start") {
            let defaultTags = environment["AGENTOPS_DEFAULT_TAGS"].map { [$0] } ?? []
            var hostEnv = HostEnvironment.collect(workingDirectory: FileManager.default.currentDirectoryPath,
                                                  environment: environment)
            if githubEnvironment != nil, case let .object(sections) = hostEnv,
               let ci = GitHubActions.hostSection(environment: environment) {
                hostEnv = .object(sections + [("CI", ci)])
            }
            // Recorded as people read them: bytes that were not UTF-8 as U+FFFD (`SystemString`).
            let session = Session(
                id: sessionID, initTimestamp: start, tags: (options.tags + defaultTags).map(SystemString.displayed),
                hostEnv: hostEnv, command: options.command.map(SystemString.displayed), video: options.video)
            run.recorder.write([.start(session)])
        } : nil
        // The exec helper starts now (its exec and start-up on the other core, after the
        // session's start), while the listener and the pipes are set up; it gets the
        // command once they are (`ChildLauncher`).
        let helper = ChildLauncher.spawnHelper()
        var startRecorded = false
        func recordStart() {
            guard !startRecorded else { return }
            startRecorded = true
            if let startWrite {
                startWrite.wait()
            } else if !options.tags.isEmpty {
                run.recorder.write([.tagsAdded(Tags.normalized(options.tags))])
            }
        }

        // Only the run that owns the session exports it; a malformed key is one warning.
        var apiKey: String?
        var exportEnvironment: [String: String]?
        // A backend asked for but unusable (malformed key or endpoint): nothing can be
        // exported, which `--strict` counts as a failed export.
        var unusableExport = false
        // AGENTOPS_RUN_EXPORT was checked with the options; it says which exporter takes
        // the session to the AgentOps cloud.
        let transport = (try? AgentOpsTransport(environment: environment)) ?? .v2
        switch Result(catching: { () throws(APIConfiguration.Problem) in
            let configuration = try APIConfiguration(environment: environment)
            if transport == .otlp { _ = try AgentOpsTransport.tracesConfiguration(environment: environment) }
            return configuration
        }) {
        case let .success(configuration):
            apiKey = configuration.apiKey
            if owner { exportEnvironment = environment }
        case .failure(.noKey):
            break
        case let .failure(problem):
            if owner {
                console.warning("\(problem)")
                unusableExport = true
            }
        }
        // An OTLP collector configured in the user's environment gets the session too.
        var exporters = exportEnvironment == nil ? [] : [transport.exporter]
        if owner {
            switch Result(catching: { () throws(OTLPConfiguration.Problem) in
                try OTLPConfiguration(environment: environment)
            }) {
            case .success:
                exporters.append(OTLPConfiguration.exporter)
                exportEnvironment = environment
            case .failure(.notConfigured):
                break
            case let .failure(problem):
                console.warning("\(problem)")
                unusableExport = true
            }
        }
        var export: BackgroundExport?
        var exportFailure: BackgroundExport.Failure?
        var costWatch: CostWatch?

        // The SDK in the command records into this session through the listener,
        // unless --no-listener, or an outer run's listener already serves the session.
        var (offered, childEnvironment) = SDKListenerOffer.make(
            session: sessionID, options: options, given: given, upstream: environment, apiKey: apiKey,
            recorder: run.recorder, sessionPath: store.path(of: sessionID), prices: prices, console: console)
        childEnvironment["AGENTOPS_SESSION_ID"] = sessionID.value
        // One environment string: over the kernel's 128 KiB for one, the command could not
        // start at all (third hostile pass, round 13). Then not handed down, with a word.
        if let handed = InheritedRedaction.value(patterns) {
            if InheritedRedaction.variable.utf8.count + 1 + handed.utf8.count + 1 <= ExecSpace.longestString {
                childEnvironment[InheritedRedaction.variable] = handed
            } else {
                console.warning("the --redact patterns are over 128 KiB, too long to hand to the command: what it "
                    + "records itself (agentops event, a nested run) is not redacted by them")
            }
        }
        let listener = offered?.listener
        // --llm-proxy: started and listening before the command; on failure one warning
        // and the command runs with its variables untouched.
        var llmProxy: LLMProxyHelper?
        if LLMProxyEnvironment.isRequested(option: options.llmProxy, environment: environment),
           !LLMProxyEnvironment.isServedUpstream(session: sessionID, environment: given) {
            // The proxy records into the session: its start goes first.
            recordStart()
            switch LLMProxyHelper.start(session: sessionID, environment: environment,
                                        redactPatterns: patterns) {
            case let .success(started):
                llmProxy = started
                childEnvironment = LLMProxyEnvironment.rewrite(childEnvironment, port: started.port, session: sessionID)
            case let .failure(failure):
                console.warning("LLM proxy: \(failure); the command runs without it")
            }
        }
        let commandLine = ShellQuoting.join(options.command.map(SystemString.displayed))
        let outcome: Supervisor.Outcome
        do {
            let executable = try CommandResolver.resolve(options.command[0], searchPath: childEnvironment["PATH"])
            let configuration = Supervisor.Configuration(
                executable: executable, argumentZero: options.command[0], arguments: Array(options.command.dropFirst()),
                environment: childEnvironment,
                limits: options.captureLimits,
                timeout: options.timeout, timeoutSignal: options.timeoutSignal, killAfter: options.killAfter,
                terminalMode: options.terminalMode)
            // A stream an outer run records is not recorded again here; with --no-capture
            // none is, and nested runs are told so (through the marker) unless an outer
            // run records it anyway.
            let upstream = Set(OutputStream.allCases.filter {
                CaptureMarker.isRecordedUpstream($0, session: sessionID, environment: environment)
            })
            // The outer run records this output, with its own patterns: this run's own
            // never reach it (third hostile pass, round 13).
            if !upstream.isEmpty, options.redactPatterns.contains(where: { !inherited.contains($0) }) {
                console.warning("--redact does not reach the output the outer run records; give the patterns to "
                    + "the outer agentops-run")
            }
            let sink: CapturedEventSink? = options.noCapture ? nil : run.recorder
            outcome = try supervisor.run(
                configuration,
                stdoutSink: upstream.contains(.stdout) ? nil : sink,
                stderrSink: upstream.contains(.stderr) ? nil : sink,
                session: sessionID,
                recordedStreams: options.noCapture ? upstream : Set(OutputStream.allCases),
                beforeCommand: recordStart,
                afterLaunch: {
                    if !relay.start() {
                        // No thread for it (`ulimit -u`): the supervisor looks every 50 ms.
                        supervisor.pollSignals { relay.pending() }
                    }
                    listener?.start()
                    if let limit = options.maxCost {
                        costWatch = CostWatch(path: store.path(of: sessionID), limit: limit, prices: prices,
                                              signal: options.timeoutSignal, supervisor: supervisor)
                        if costWatch?.isWatching == false {
                            console.warning("--max-cost cannot be enforced: no thread could be started (\(SystemError.last))")
                        }
                    }
                    guard let exportEnvironment else { return }
                    switch BackgroundExport.start(session: sessionID, environment: exportEnvironment,
                                                  exporters: exporters) {
                    case let .success(started): export = started
                    case let .failure(failure): exportFailure = failure
                    }
                }, helper: helper)
        } catch {
            helper?.dismiss()
            recordStart()
            listener?.stop()
            llmProxy?.stop()
            // A command's name with control characters: shown as escapes (`TerminalText`).
            console.error(TerminalText.cell("\(error)"))
            let (state, reason) = EndReason.of(launchError: error)
            run.finish(start: start, commandLine: commandLine, state: state, reason: reason, exit: nil,
                       export: nil, flushTimeout: options.flushTimeout, github: githubEnvironment)
            return .code(error.exitCode)
        }

        // What the SDK sent is in before the session is ended.
        listener?.stop()
        if let ended = llmProxy?.stop() { console.warning("LLM proxy: \(ended)") }
        costWatch?.stop()
        if let hint = offered?.router.sdkBreakHint { console.warning(hint) }
        if let exportFailure {
            console.warning("\(BackgroundExport.destination(of: exporters)): \(exportFailure); the session is kept locally")
        }
        let (state, reason) = EndReason.of(exit: outcome.exit, forwardedSignals: outcome.forwardedSignals,
                                           interventions: outcome.interventions)
        let ending = run.finish(start: start, commandLine: commandLine, state: state, reason: reason,
                                exit: outcome.exit, export: export, flushTimeout: options.flushTimeout,
                                interventions: outcome.interventions, github: githubEnvironment,
                                needsDeclared: options.failOnDeclared,
                                interruptedBy: { supervisor.lateTermination })
        let failure = ending.exportFailure ?? exportFailure
        let exit = EndReason.wrapperExit(exit: outcome.exit, interventions: outcome.interventions)
        if options.failOnDeclared, exit == .code(0), ending.state != .success {
            return .code(ExitCodes.sessionFailed)
        }
        if options.strict, (exportEnvironment != nil && failure != nil) || unusableExport, exit == .code(0) {
            return .code(ExitCodes.telemetry)
        }
        return exit
    }
}
