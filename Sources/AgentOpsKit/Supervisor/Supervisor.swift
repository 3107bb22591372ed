import Foundation

/// Runs one command under supervision: pipes or pseudo-terminals for its output (or
/// one controlling pseudo-terminal at a terminal), one output pump, an exit watcher,
/// and signal forwarding to its process group.
///
/// `@unchecked Sendable`: its mutable state (the child's group, pending and received
/// signals, the window size) is guarded by `lock`, shared with the signal relay thread.
public final class Supervisor: @unchecked Sendable {
    /// Signals that ask the command to stop (rather than pause or resize it): after
    /// one, the command's group is swept when it ends.
    public static let stopSignals: Set<Int32> = [SignalNumber.interrupt, SignalNumber.terminate, SignalNumber.hangup,
                                                  SignalNumber.quit]

    /// What the supervisor needs to run the command.
    public struct Configuration: Sendable {
        /// The resolved executable path.
        public var executable: String
        /// argv[0]: the name the command was given (as a shell passes it); nil: the path.
        public var argumentZero: String?
        /// argv[1…].
        public var arguments: [String]
        /// The complete environment of the child.
        public var environment: [String: String]
        /// How captured output is cut into events.
        public var limits: CaptureLimits
        /// After the child exits, how long to keep passing on output that background
        /// grandchildren still write to its pipes before stopping.
        public var drainGraceSeconds: Double
        /// Seconds after the launch at which `timeoutSignal` is sent; nil for none.
        public var timeout: Double?
        /// The signal sent when the timeout passes.
        public var timeoutSignal: Int32
        /// Seconds from a timeout or a second interrupt to SIGKILL.
        public var killAfter: Double
        /// When the command's output streams are pseudo-terminals.
        public var terminalMode: TerminalMode

        /// A configuration with the default limits, a 0.5 s drain grace, no timeout.
        public init(executable: String, argumentZero: String? = nil, arguments: [String],
                    environment: [String: String],
                    limits: CaptureLimits = .standard, drainGraceSeconds: Double = 0.5, timeout: Double? = nil,
                    timeoutSignal: Int32 = SignalNumber.terminate, killAfter: Double = 10,
                    terminalMode: TerminalMode = .auto) {
            self.executable = executable
            self.argumentZero = argumentZero
            self.arguments = arguments
            self.environment = environment
            self.limits = limits
            self.drainGraceSeconds = drainGraceSeconds
            self.timeout = timeout
            self.timeoutSignal = timeoutSignal
            self.killAfter = killAfter
            self.terminalMode = terminalMode
        }
    }

    /// What the supervisor did to the command on its own account.
    public enum Intervention: Sendable, Equatable {
        /// The timeout passed and `signal` was sent to the group.
        case timedOut(after: Double, signal: Int32)
        /// A second SIGINT came while the command still ran: SIGTERM was sent instead.
        case interruptedTwice
        /// The command outlived the grace period: SIGKILL was sent to the group.
        case killed(after: Double)
        /// The session's cost passed `limit` (USD) at `cost`: `signal` was sent to the
        /// group, as at a timeout.
        case costLimit(limit: Decimal, cost: Decimal, signal: Int32)
    }

    /// How the supervised run went.
    public struct Outcome: Sendable {
        /// How the child ended.
        public var exit: ChildExit
        /// Signals agentops-run received, in order (forwarded, or escalated).
        public var forwardedSignals: [Int32]
        /// What the supervisor did on its own, in order.
        public var interventions: [Intervention]
    }

    private let lock = NSLock()
    /// Woken by the child's exit and by an escalation that sets a kill deadline.
    private let wake = DispatchSemaphore(value: 0)
    private var childGroup: Int32?
    private var childDone = false
    /// Signals that arrived after the command ended, with nothing left to forward them to.
    private var lateSignals: [Int32] = []
    private var childExit: ChildExit?
    private var pendingSignals: [Int32] = []
    private var received: [Int32] = []
    private var interventions: [Intervention] = []
    private var killDeadline: DispatchTime?
    private var killAfter: Double = 10
    private var limitSignal: Int32 = SignalNumber.terminate
    private var interruptsRouted = 0
    private var terminalMasters: [Int32] = []
    private var windowSizeSource: Int32 = 1
    private var lastWindowSize: WindowSize?
    /// Whether setting a new size on the command's terminal signals it by itself (its
    /// controlling pseudo-terminal does; a per-stream one does not).
    private var resizeSignalsCommand = false
    /// How many SIGCONTs are owed to `followStop`: the one that resumes agentops-run
    /// after it followed the command's stop is not forwarded, because `followStop`
    /// continues the command itself once the terminal is ready for it (raw mode back,
    /// foreground handed over). Forwarded at once, the command would run and the user's
    /// next key could reach a terminal still in cooked mode, signalling agentops-run
    /// instead. A count rather than "while following the stop": the relay thread may
    /// hand that SIGCONT on after `followStop` is done, and the command then got a
    /// second one (seen under load by round 7's degraded-mode test).
    private var continuesToSwallow = 0

    /// A supervisor; create it before anything slow so that signals arriving early are
    /// queued and forwarded once the child exists.
    public init() {}

    /// Where signals are taken from while the command runs when the signal relay has no
    /// thread (`ulimit -u`): looked at by `pollWithoutThreads`. Set before `run` waits.
    private var signalSource: (@Sendable () -> [Int32])?

    /// How often `pollWithoutThreads` looks: a signal or the command's end is handled at
    /// most this late, for the price of 20 wake-ups a second.
    private static let threadlessPollSeconds = 0.05

    /// Takes signals from `source` every 50 ms while the command runs, and delivers
    /// them (for a `SignalRelay` whose thread could not be started).
    public func pollSignals(from source: @escaping @Sendable () -> [Int32]) {
        lock.lock()
        signalSource = source
        lock.unlock()
    }

    /// Handles a signal delivered to agentops-run (from the `SignalRelay`).
    ///
    /// The first SIGINT is forwarded like any signal; a second one while the command
    /// still runs is the user insisting: SIGTERM goes to the group and SIGKILL follows
    /// after the grace period; a third sends SIGKILL at once.
    public func deliver(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        guard !childDone else {
            lateSignals.append(signal)
            return
        }
        received.append(signal)
        if let group = childGroup {
            route(signal, to: group)
        } else {
            pendingSignals.append(signal)
        }
    }

    /// Where signals caught before the command starts wait (the relay's pipe, whose
    /// thread starts with the command): looked at by `stopRequestedBeforeStart`.
    private var earlySignalSource: (@Sendable () -> [Int32])?

    /// Lets the launch see signals caught before the command starts, taken from
    /// `source` (and queued for the command, in order, as the relay would hand them on).
    public func takeEarlySignals(from source: @escaping @Sendable () -> [Int32]) {
        lock.lock()
        earlySignalSource = source
        lock.unlock()
    }

    /// Whether a SIGINT, SIGTERM, SIGHUP or SIGQUIT arrived before the command started
    /// (held for it until then).
    private var stopRequestedBeforeStart: Bool {
        lock.lock()
        let source = earlySignalSource
        lock.unlock()
        for signal in source?() ?? [] { deliver(signal) }
        lock.lock()
        defer { lock.unlock() }
        return pendingSignals.contains { Self.terminating.contains($0) }
    }

    /// The signals that tell agentops-run to stop rather than only pass them on.
    private static let terminating = [SignalNumber.interrupt, SignalNumber.terminate, SignalNumber.hangup, SignalNumber.quit]

    /// The first SIGINT, SIGTERM, SIGHUP or SIGQUIT that arrived after the command ended:
    /// the user (or a CI runner cancelling the job) wants agentops-run gone, so the wait
    /// for the upload stops instead of lasting `--flush-timeout` (the session is stored
    /// locally, and `agentops sync` sends the rest).
    public var lateTermination: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return lateSignals.first { Self.terminating.contains($0) }
    }

    /// Stops the command because a limit other than the timeout was reached (a watcher
    /// saw it), exactly as the timeout stops it: the timeout's signal to the group,
    /// SIGKILL `killAfter` later if it is still running.
    ///
    /// - Returns: false when there is nothing to stop yet or any more (the command has
    ///   not started, or has ended), so the caller can try again or give up.
    public func stopForLimit(_ intervention: Intervention) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let group = childGroup, !childDone, childExit == nil else { return false }
        interventions.append(intervention)
        Self.stop(group, with: limitSignal)
        if limitSignal != SignalNumber.kill, killDeadline == nil { killDeadline = .now() + killAfter }
        wake.signal()
        return true
    }

    /// Sends `signal` on to the child's group, escalating repeated interrupts. The
    /// caller holds `lock`.
    private func route(_ signal: Int32, to group: Int32) {
        if signal == SignalNumber.interrupt { interruptsRouted += 1 }
        if signal == SignalNumber.interrupt, interruptsRouted == 2 {
            interventions.append(.interruptedTwice)
            Signals.send(SignalNumber.terminate, to: -group)
            killDeadline = .now() + killAfter
            wake.signal()
        } else if signal == SignalNumber.interrupt, interruptsRouted > 2 {
            interventions.append(.killed(after: 0))
            Signals.send(SignalNumber.kill, to: -group)
            killDeadline = nil
        } else if signal == SignalNumber.continue, continuesToSwallow > 0 {
            continuesToSwallow -= 1
        } else {
            // The resized size must be on the command's terminals before it looks. On its
            // controlling pseudo-terminal the new size alone sends it SIGWINCH, once.
            if signal == SignalNumber.windowChange, syncWindowSize(), resizeSignalsCommand { return }
            // The child leads its own process group (Foundation's POSIX_SPAWN_SETPGROUP):
            // signalling the group reaches pipelines and grandchildren too.
            Signals.send(signal, to: -group)
        }
    }

    /// Copies the size of agentops-run's terminal onto the command's pseudo-terminals
    /// if it changed; true when it did. The caller holds `lock`.
    private func syncWindowSize() -> Bool {
        guard !terminalMasters.isEmpty, let size = WindowSize.of(windowSizeSource), size != lastWindowSize else {
            return false
        }
        lastWindowSize = size
        for master in terminalMasters { size.apply(to: master) }
        return true
    }

    /// Starts the command and supervises it to the end.
    ///
    /// - Parameters:
    ///   - configuration: what to run.
    ///   - stdoutSink: where stdout's events go (nil: pass through only, as when an
    ///     outer agentops-run already records them).
    ///   - stderrSink: the same for stderr.
    ///   - session: the session named in the child's capture marker.
    ///   - recordedStreams: the streams whose output ends up recorded in `session` (here or
    ///     by an outer run), named in the marker so nested runs do not record them twice.
    ///   - beforeCommand: work the command must not start before, done while the exec
    ///     helper starts (`ChildLauncher`); at most once, and not at all when the launch
    ///     fails before the helper runs.
    ///   - afterLaunch: called once the command runs (to start work that must not
    ///     delay it).
    ///   - helper: an exec helper spawned ahead (`ChildLauncher.spawnHelper`), handed to
    ///     the launch; the caller dismisses it when this throws before the launch.
    /// - Returns: how it ended.
    /// - Throws: `LaunchError` when the kernel refuses to run it; nothing was started.
    public func run(_ configuration: Configuration, stdoutSink: CapturedEventSink?, stderrSink: CapturedEventSink?,
                    session: SessionID, recordedStreams: Set<OutputStream>, beforeCommand: () -> Void = {},
                    afterLaunch: () -> Void = {}, helper: ChildLauncher.Helper? = nil) throws(LaunchError) -> Outcome {
        let interactive = InteractiveTerminal.applies(to: configuration.terminalMode) ? try InteractiveTerminal() : nil
        let wiring = if let interactive { Wiring(terminal: interactive) } else { try Wiring(mode: configuration.terminalMode) }
        var environment = configuration.environment.copiedWithRoom(for: 1)
        environment[CaptureMarker.variable] = CaptureMarker.value(
            session: session, stdoutFD: recordedStreams.contains(.stdout) ? wiring.childStdout : nil,
            stderrFD: recordedStreams.contains(.stderr) ? wiring.childStderr : nil)
        // Reading starts before the command does: it may write at once, and order
        // between its streams depends on reading each write before the next lands. The
        // thread is started while the exec helper starts up, with the caller's work.
        let pump = StreamPump(sources: interactive == nil ? [
            .init(stream: .stdout, readFD: wiring.parentStdout, outputFD: 1, sink: stdoutSink),
            .init(stream: .stderr, readFD: wiring.parentStderr, outputFD: 2, sink: stderrSink),
        ] : [.init(stream: .terminal, readFD: wiring.parentStdout, outputFD: 1, sink: stdoutSink)],
                              limits: configuration.limits)
        var pumping = false
        let foundationExit = DispatchSemaphore(value: 0)
        let process: Process
        do {
            process = try ChildLauncher.launch(
                executable: configuration.executable, argumentZero: configuration.argumentZero,
                arguments: configuration.arguments, environment: environment,
                stdin: wiring.childStdin, stdout: wiring.childStdout, stderr: wiring.childStderr,
                inherited: StartupDescriptors.inherited, controllingTerminal: interactive != nil, helper: helper,
                beforeCommand: { () throws(LaunchError) in
                    // No thread or buffer to read its output (`ulimit -u`, `ulimit -v`): the
                    // command does not start.
                    guard pump.start() else {
                        throw .cannotPrepare(what: "a thread and buffer to read the command's output", reason: errnoText())
                    }
                    pumping = true
                    if let shortfall = AddressSpaceHeadroom.shortfall() {
                        throw .cannotPrepare(what: "room in the address space", reason: shortfall)
                    }
                    beforeCommand()
                },
                stopRequested: { [self] in stopRequestedBeforeStart },
                terminationHandler: { _ in foundationExit.signal() })
        } catch {
            wiring.closeChildEnds()
            // Started, the pump sees end of file on every stream and closes our ends.
            if !pumping { pump.start() }
            pump.stop()
            throw error
        }
        // Our copies of the command's ends must go, or the pump would never see EOF.
        wiring.closeChildEnds()
        lock.lock()
        terminalMasters = wiring.terminalMasters
        windowSizeSource = wiring.sizeSource
        lastWindowSize = WindowSize.of(wiring.sizeSource)
        resizeSignalsCommand = interactive != nil
        lock.unlock()

        // The command's own pseudo-terminal: raw mode and keys from here until the end.
        interactive?.enterRawMode()
        interactive?.startRelayingInput()
        defer {
            interactive?.stopRelayingInput()
            interactive?.restore()
        }

        let group = process.processIdentifier
        // Split and pipe modes: the command shares agentops-run's controlling terminal
        // and needs its foreground (interactive mode: it has a terminal of its own).
        let terminal = interactive == nil ? ForegroundTerminal.ifForeground() : nil
        terminal?.give(to: group)
        let watcher = ExitWatcher(process: process, foundationExit: foundationExit)
        // Only a job of a shell with job control (a controlling terminal, and a parent
        // outside agentops-run's group) is continued once stopped. Elsewhere (CI,
        // `setsid`, a script that is not interactive) agentops-run stopped all the same,
        // and its --timeout never came (hostile passes, round 13): there a stopped command
        // stays stopped, and a SIGCONT sent to agentops-run goes on to it as any signal
        // does. Looked at when a stop comes: not on the way to the command's start.
        let onStop: @Sendable (Int32) -> Void = { [self] _ in
            if ForegroundGroup.hasControllingTerminal, !ThisProcess.parentSharesGroup {
                followStop(of: group, terminal: terminal, interactive: interactive)
            }
        }
        let watching = watcher.start(
            onStop: onStop,
            onExit: { [self] exit in
                lock.lock()
                childExit = exit
                lock.unlock()
                wake.signal()
            })

        afterLaunch()
        lock.lock()
        childGroup = group
        killAfter = configuration.killAfter
        limitSignal = configuration.timeoutSignal
        for signal in pendingSignals { route(signal, to: group) }
        pendingSignals = []
        lock.unlock()

        let exit = superviseUntilExit(group: group, configuration: configuration, unwatched: watching ? nil : watcher,
                                      onStop: onStop)
        // Back to agentops-run's group before anything else is printed to the terminal.
        if let terminal, terminal.foregroundGroup == group { terminal.reclaim() }
        lock.lock()
        childDone = true
        let forwarded = received
        let done = interventions
        lock.unlock()

        let askedToStop = !done.isEmpty || forwarded.contains { Self.stopSignals.contains($0) }
        if askedToStop { Self.sweep(group: group, within: configuration.drainGraceSeconds) }
        // The child is gone, but a background grandchild may hold its pipes open: pass on
        // what arrives within the grace period, then stop reading.
        let deadline = DispatchTime.now() + configuration.drainGraceSeconds
        if !pump.waitForEnd(until: deadline) { pump.stop() }
        return Outcome(exit: exit, forwardedSignals: forwarded, interventions: done)
    }

    /// Waits for the child's exit, sending the timeout signal and SIGKILL when their
    /// deadlines pass. `unwatched`: the watcher whose thread could not be started, looked
    /// at by `pollWithoutThreads` instead, which follows a stop with `onStop`.
    private func superviseUntilExit(group: Int32, configuration: Configuration, unwatched: ExitWatcher?,
                                    onStop: (Int32) -> Void) -> ChildExit {
        lock.lock()
        let signals = signalSource
        lock.unlock()
        let polling = unwatched != nil || signals != nil
        var timeoutDeadline = configuration.timeout.map { DispatchTime.now() + $0 }
        while true {
            let polled = polling ? pollWithoutThreads(signals: signals, watcher: unwatched, onStop: onStop) : nil
            lock.lock()
            if childExit == nil, let polled { childExit = polled }
            if let exit = childExit {
                lock.unlock()
                return exit
            }
            let killAt = killDeadline
            lock.unlock()
            // While the command holds the foreground of agentops-run's terminal, a resize
            // signals its group, not us: look at the size a few times a second and copy a
            // change to its per-stream terminals. The kernel has signalled it already; a
            // second SIGWINCH would be one too many (and the first had the old size on
            // those terminals, a limit of --tty split).
            let poll: DispatchTime? = terminalMasters.isEmpty ? nil : .now() + 0.25
            let look: DispatchTime? = polling ? .now() + Self.threadlessPollSeconds : nil
            let next = [timeoutDeadline, killAt, poll, look].compactMap { $0 }.min()
            guard wake.wait(timeout: next ?? .distantFuture) == .timedOut else { continue }
            let now = DispatchTime.now()
            lock.lock()
            if childExit == nil { _ = syncWindowSize() }
            if childExit == nil, let deadline = timeoutDeadline, now >= deadline {
                timeoutDeadline = nil
                interventions.append(.timedOut(after: configuration.timeout ?? 0, signal: configuration.timeoutSignal))
                Self.stop(group, with: configuration.timeoutSignal)
                if configuration.timeoutSignal != SignalNumber.kill, killDeadline == nil {
                    killDeadline = now + configuration.killAfter
                }
            }
            if childExit == nil, let deadline = killDeadline, now >= deadline {
                killDeadline = nil
                interventions.append(.killed(after: configuration.killAfter))
                Signals.send(SignalNumber.kill, to: -group)
            }
            lock.unlock()
        }
    }

    /// The one poll of a run that could not start the exit watcher's thread or the
    /// signal relay's (`ulimit -u` left none for them), made every
    /// `threadlessPollSeconds` while the command runs: without it a signal for the
    /// command would wait in the relay's pipe, unforwarded, and the command's stop
    /// and exit would go unseen. It does what the missing threads would have done,
    /// only later: the signals caught so far first, delivered as the relay delivers
    /// them (so one that ends the command is counted before its end), then one look at
    /// the command (`ExitWatcher.look`), whose stop is followed here (`onStop`).
    ///
    /// - Parameters:
    ///   - signals: the relay's pending signals; nil when its thread runs.
    ///   - watcher: the watcher whose thread could not be started; nil when it runs.
    /// - Returns: how the command ended, once it has.
    private func pollWithoutThreads(signals: (@Sendable () -> [Int32])?, watcher: ExitWatcher?,
                                    onStop: (Int32) -> Void) -> ChildExit? {
        for signal in signals?() ?? [] { deliver(signal) }
        return watcher?.look(onStop: onStop)
    }

    /// Job control: the command was stopped (Ctrl-Z at the terminal, SIGTTIN, SIGSTOP),
    /// so agentops-run stops too and the shell gets its prompt back, with the real
    /// terminal's modes restored. When the shell continues agentops-run (`fg` or `bg`),
    /// the command is continued as well; only in the foreground (`fg`) does it get the
    /// terminal again (raw mode, the size it may have missed).
    private func followStop(of group: Int32, terminal: ForegroundTerminal?, interactive: InteractiveTerminal?) {
        lock.lock()
        continuesToSwallow += 1
        lock.unlock()
        if let terminal, terminal.foregroundGroup == group { terminal.reclaim() }
        interactive?.restore()
        Signals.send(SignalNumber.stop, to: ThisProcess.id)
        // Without a relay thread the SIGCONT that resumed agentops-run waits in the
        // relay's pipe (its handler ran as agentops-run resumed): taken now, while it is
        // not forwarded, as the relay thread would have delivered it.
        lock.lock()
        let signals = signalSource
        lock.unlock()
        for signal in signals?() ?? [] { deliver(signal) }
        if let interactive, ForegroundGroup.isOwn(0) {
            interactive.enterRawMode()
            lock.lock()
            _ = syncWindowSize()
            lock.unlock()
        }
        if let terminal, terminal.ownsForeground {
            terminal.give(to: group)
        } else {
            Signals.send(SignalNumber.`continue`, to: -group)
        }
    }

    /// Sends a limit's `signal` to `group`, then SIGCONT, as `timeout(1)` does: a stopped
    /// command would not act on it until continued.
    private static func stop(_ group: Int32, with signal: Int32) {
        Signals.send(signal, to: -group)
        if signal != SignalNumber.kill, signal != SignalNumber.`continue` {
            Signals.send(SignalNumber.`continue`, to: -group)
        }
    }

    /// When agentops-run was asked to stop, nothing of the command may stay behind:
    /// members of its group that outlive it (they got the same signal) have `seconds`
    /// to go, then get SIGKILL.
    private static func sweep(group: Int32, within seconds: Double) {
        let deadline = DispatchTime.now() + seconds
        // Zombies are members too, and one reparented to a PID 1 that does not reap stays.
        while ProcessGroup.hasLiveMember(group) {
            if DispatchTime.now() >= deadline {
                Signals.send(SignalNumber.kill, to: -group)
                return
            }
            Clock.sleep(microseconds: 10_000)
        }
    }
}
