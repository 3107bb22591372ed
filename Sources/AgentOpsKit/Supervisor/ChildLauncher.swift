import AgentOpsExec
import Foundation

/// Starts the command with Foundation `Process`, working around what it does on Linux.
public enum ChildLauncher {
    /// Serialises launches: the signal mask swap below is per thread, but Foundation's
    /// spawn path is not meant to run concurrently with another mask swap.
    private static let lock = NSLock()

    /// An exec helper spawned ahead of its command (`spawnHelper`), waiting on its
    /// socket for the command, its environment and its descriptors.
    ///
    /// Spawned as soon as a run knows it will launch something, the helper's exec and
    /// start-up (half a millisecond, a static binary) happen on the other core while
    /// agentops-run sets up the session, the listener and the pipes, instead of after
    /// them on the way to the command's start (issue 18).
    public final class Helper: @unchecked Sendable {
        let process: Process
        /// Our end of the socket, until `dismiss`.
        private var socketEnd: Int32?
        /// The helper executable and arguments it was spawned with.
        let prefix: [String]
        let fileLimit: SpawnFileLimit.Change?
        let link: HelperLink
        private let lock = NSLock()

        init(process: Process, socket: Int32, prefix: [String], fileLimit: SpawnFileLimit.Change?, link: HelperLink) {
            self.process = process
            socketEnd = socket
            self.prefix = prefix
            self.fileLimit = fileLimit
            self.link = link
        }

        var socket: Int32 { lock.withLock { socketEnd ?? -1 } }

        /// Closes our end of the socket: a helper that has not got its command yet exits
        /// (126) without running anything. For a run that ends before its command starts.
        public func dismiss() {
            lock.withLock {
                if let fd = socketEnd { Descriptors.close(fd) }
                socketEnd = nil
            }
        }
    }

    /// Spawns the exec helper now, to be handed its command later by `launch`; nil when
    /// there is no helper (`ExecHelperLocation` not enabled) or the spawn failed (the
    /// launch then spawns one itself, and reports what goes wrong).
    public static func spawnHelper() -> Helper? {
        guard let prefix = ExecHelperLocation.launchPrefix else { return nil }
        return try? spawn(prefix)
    }

    /// Launches `executable` with `arguments` (argv[1…]) and `environment`, stdin,
    /// stdout and stderr on the given descriptors, the working directory inherited.
    ///
    /// Through the `ExecHelper` (when `ExecHelperLocation` is enabled) the command gets exactly descriptors
    /// 0–2 and `inherited` under their own numbers, nothing of Foundation's, and with
    /// `controllingTerminal` a new session whose controlling terminal is `stdin`; a
    /// helper that fails the handshake is replaced by agentops-run's own helper mode
    /// (`ExecHelperLocation`). `helper`, when given, is one spawned earlier
    /// (`spawnHelper`); otherwise one is spawned here.
    /// Without it (tests of this type alone) Foundation's own spawn is all there is.
    ///
    /// The calling thread's signal mask is set to the start-up mask around `run()`,
    /// because Foundation's `posix_spawn` (only `POSIX_SPAWN_SETPGROUP`) gives the child
    /// the caller's mask: a dispatch or cooperative-pool thread would hand it SIGINT,
    /// SIGTERM and SIGHUP blocked (swift-corelibs-foundation#4772), and a mask that was
    /// blocked when agentops-run started must stay blocked.
    ///
    /// `beforeCommand` is work that must be done before the command starts but not
    /// before the helper does: it runs while the helper is exec'd and starts up (on the
    /// other core), and the command is released only after it returned. Without the
    /// helper it runs before the spawn. It runs at most once, and not at all when the
    /// launch fails before that point; when it throws, the command is not started and
    /// its error is the launch's.
    ///
    /// `stopRequested` says whether agentops-run was told to stop (a SIGTERM before the
    /// command started): looked at while a helper that took the command has not yet
    /// answered, which ours does at once; a file that never answers is then killed.
    ///
    /// `argumentZero` is the command's argv[0], the name it was given (nil: the path), as
    /// a shell passes it; Foundation's own spawn (no helper) always gives the path.
    ///
    /// - Returns: the running process (its own process group leader: Foundation always
    ///   spawns with `POSIX_SPAWN_SETPGROUP`).
    /// - Throws: `LaunchError.notExecutable` when the kernel refuses the file;
    ///   `.tooLongWithAddedVariables` when it refused the arguments and environment as too
    ///   long only with what the run added to the environment.
    public static func launch(executable: String, argumentZero: String? = nil, arguments: [String],
                              environment: [String: String],
                              stdin: Int32 = 0, stdout: Int32, stderr: Int32, inherited: [Int32] = [],
                              controllingTerminal: Bool = false, helper early: Helper? = nil,
                              beforeCommand: () throws(LaunchError) -> Void = {},
                              stopRequested: () -> Bool = { false },
                              terminationHandler: @escaping @Sendable (Process) -> Void) throws(LaunchError) -> Process {
        do {
            return try launchCommand(executable: executable, argumentZero: argumentZero, arguments: arguments,
                                     environment: environment, stdin: stdin, stdout: stdout, stderr: stderr,
                                     inherited: inherited, controllingTerminal: controllingTerminal, helper: early,
                                     beforeCommand: beforeCommand, stopRequested: stopRequested,
                                     terminationHandler: terminationHandler)
        } catch .notExecutable(executable, .system(.argumentListTooLong)) {
            throw attributeTooLong(executable: executable, argumentZero: argumentZero, arguments: arguments,
                                   environment: environment)
        }
    }

    /// The exec refused the command's arguments and environment as too long (`E2BIG`):
    /// `.tooLongWithAddedVariables` when they would have fit without what the run added
    /// to the environment (`ExecSpace`), else the command's own failure (126).
    private static func attributeTooLong(executable: String, argumentZero: String?, arguments: [String],
                                         environment: [String: String]) -> LaunchError {
        let path = SystemString.bytes(executable)
        let argv = [SystemString.bytes(argumentZero ?? executable)] + arguments.map(SystemString.bytes)
        let extra = ExecSpace.scriptExtra(path: path, argumentZero: argv[0]) { file in
            var head = [UInt8](repeating: 0, count: 256)
            let read = Descriptors.readPrefix(of: SystemString.decode(file), into: &head) ?? 0
            return Array(head.prefix(read))
        }
        let own = ThisProcess.environmentEntries
        let entries = EnvironmentLayout.entries(environment, laidOutAs: own)
        let stack = ThisProcess.stackLimit
        guard ExecSpace.fits(path: path, arguments: argv, environment: own, extra: extra, stack: stack),
              !ExecSpace.fits(path: path, arguments: argv, environment: entries, extra: extra, stack: stack) else {
            return .notExecutable(path: executable, reason: .system(.argumentListTooLong))
        }
        let total = ExecSpace.bytes(path: path, arguments: argv, environment: entries) + extra
        let without = ExecSpace.bytes(path: path, arguments: argv, environment: own) + extra
        return .tooLongWithAddedVariables(path: executable, added: total - without, total: total,
                                          limit: ExecSpace.limit(stack: stack),
                                          longest: entries.contains { $0.count + 1 > ExecSpace.longestString })
    }

    private static func launchCommand(executable: String, argumentZero: String?, arguments: [String],
                                      environment: [String: String], stdin: Int32, stdout: Int32, stderr: Int32,
                                      inherited: [Int32], controllingTerminal: Bool, helper early: Helper?,
                                      beforeCommand: () throws(LaunchError) -> Void, stopRequested: () -> Bool,
                                      terminationHandler: @escaping @Sendable (Process) -> Void) throws(LaunchError) -> Process {
        guard let prefix = ExecHelperLocation.launchPrefix else {
            early?.dismiss()
            try beforeCommand()
            let process = Process()
            process.environment = environment
            process.terminationHandler = terminationHandler
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            if stdin != 0 { process.standardInput = FileHandle(fileDescriptor: stdin, closeOnDealloc: false) }
            process.standardOutput = FileHandle(fileDescriptor: stdout, closeOnDealloc: false)
            process.standardError = FileHandle(fileDescriptor: stderr, closeOnDealloc: false)
            try run(process, executable: executable)
            return process
        }
        // Launched again after a fallback, with what is left of the work and the helper.
        func again(beforeCommand: () throws(LaunchError) -> Void = {}) throws(LaunchError) -> Process {
            try launchCommand(executable: executable, argumentZero: argumentZero, arguments: arguments,
                              environment: environment, stdin: stdin,
                              stdout: stdout, stderr: stderr, inherited: inherited, controllingTerminal: controllingTerminal,
                              helper: nil, beforeCommand: beforeCommand, stopRequested: stopRequested,
                              terminationHandler: terminationHandler)
        }
        let helper: Helper
        if let early, early.prefix == prefix, early.socket >= 0 {
            helper = early
        } else {
            early?.dismiss()
            do {
                helper = try spawn(prefix)
            } catch {
                // The helper itself could not be spawned (a file being replaced, a wrong
                // format): that says nothing about the command, which agentops-run can
                // still start through itself.
                if case let .notExecutable(_, reason) = error {
                    // Out of processes or memory (`ulimit -u`): not the helper's fault, and
                    // agentops-run's own helper mode could not be started either.
                    if reason == .system(.tryAgain) || reason == .system(.outOfMemory) {
                        throw .cannotPrepare(what: "a process", reason: reason.description)
                    }
                    if ExecHelperLocation.fallBack(unstartable: reason) { return try again(beforeCommand: beforeCommand) }
                    throw .notExecutable(path: executable, reason: reason)
                }
                throw error
            }
        }
        defer { helper.dismiss() }
        let process = helper.process
        // The caller hears of the end of a helper that proved to be ours only: a foreign
        // one is killed before it could start the command.
        helper.link.handler = terminationHandler
        // The command block is laid out first, while the session's start is written on
        // its own thread (`beforeCommand` waits for it): laid out after the hello, it
        // was 0.14–0.22 ms on the path to the command once the helper said its hello at
        // once (issue 18, round 13).
        // As bytes: what agentops-run read as invalid UTF-8 goes back as it came (`SystemString`),
        // in the order and form agentops-run's own environment had (`EnvironmentLayout`).
        if let shortfall = AddressSpaceHeadroom.shortfallForCommandBlock() {
            killHelper(process)
            throw .cannotPrepare(what: "room in the address space", reason: shortfall)
        }
        let entries = EnvironmentLayout.entries(environment, laidOutAs: ThisProcess.environmentEntries)
        // The path to exec, then argv: argv[0] is the name the command was given.
        let argv = [executable, argumentZero ?? executable] + arguments
        guard let block = ExecHelper.commandBlock(arguments: argv.map(SystemString.bytes), environment: entries) else {
            killHelper(process)
            throw .notExecutable(path: executable, reason: .system(.argumentListTooLong))
        }
        // The helper may still be exec'ing and starting up; the command waits for what
        // is sent below.
        try beforeCommand()
        if let refusal = ExecHelperLocation.greet(over: helper.socket) {
            // A signal that came meanwhile waits for the command started through the
            // fallback, as any signal before the command starts does.
            killHelper(process)
            guard ExecHelperLocation.fallBack(because: refusal) else {
                throw .cannotPrepare(what: "the exec helper", reason: refusal)
            }
            // `beforeCommand` ran already: not passed on.
            return try again()
        }
        helper.link.answered = true
        // glibc's internal signals back to their default, unless agentops-run was started
        // with them ignored (`ExecHelper.internalSignals`).
        let defaultSignals = ExecHelper.internalSignals.map(\.number).filter { !StartupSignals.wasIgnored($0) }
        // Drawn for this launch: only a helper that took the payload can say it.
        let marker = ExecHelper.startingMarker(random: UInt32.random(in: 0...UInt32.max))
        let payload = ExecHelper.payload(controllingTerminal: controllingTerminal, fileLimit: helper.fileLimit?.command,
                                         defaultSignals: defaultSignals,
                                         ignoreChildSignal: StartupSignals.wasIgnored(SignalNumber.childStatus),
                                         marker: marker,
                                         targets: [0, 1, 2] + inherited)
        guard try send(block, to: process, over: helper.socket, stopRequested: stopRequested),
              DescriptorPassing.send([stdin, stdout, stderr] + inherited, payload: payload, over: helper.socket) else {
            // The send's errno, taken before `kill` (of a helper already gone: ESRCH)
            // overwrites it.
            let reason = errnoText()
            killHelper(process)
            throw .cannotPrepare(what: "the exec helper's descriptors", reason: reason)
        }
        // The starting marker then end of file: the command was exec'd (the helper's end
        // is close-on-exec). Waiting for it also means its session exists before any
        // signal is routed.
        let (words, count) = try awaitStart(of: process, over: helper.socket, marker: marker, stopRequested: stopRequested)
        if count == 4, words.0 == marker { return process }
        // After the marker, an errno (small and positive) is the command's: its exec's, or
        // a set-up step's for it. Anything else is a helper that failed on the way: its
        // own errno with no marker, end of file (a crash), or text it wrote on its stderr,
        // which is this socket ("Fatal glibc error: …", read as 1635017030 once; hostile
        // pass, round 9); and a file that is not our helper cannot say the marker.
        let code = count == 8 && words.0 == marker ? words.1 : -1
        guard (1...4095).contains(code) else {
            killHelper(process)
            throw .cannotPrepare(what: "the exec helper", reason: "it failed before it could start the command")
        }
        throw .notExecutable(path: executable, reason: .system(SystemError(code: code)))
    }

    /// Sends the command block to the helper; false when the socket failed or the helper
    /// ended first.
    ///
    /// Sent as the socket takes it, the helper looked at every 100 ms while it is full:
    /// a file that said the hello but never reads held agentops-run in a blocking write
    /// for ever once the environment was larger than the socket's buffer, deaf to
    /// SIGTERM (second hostile pass, round 11).
    private static func send(_ block: [UInt8], to process: Process, over socket: Int32,
                             stopRequested: () -> Bool) throws(LaunchError) -> Bool {
        var offset = 0
        while offset < block.count {
            let sent = block.withUnsafeBytes { Descriptors.sendWithoutWaiting(socket, UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            if sent > 0 {
                offset += sent
                continue
            }
            guard sent == 0 else { return false }
            if Readiness.writable(socket, milliseconds: 100) == .ready { continue }
            if stopRequested() { throw stopBeforeStart(process) }
            guard isAlive(process) else { return false }
        }
        return true
    }

    /// What the helper says once it has the command: up to two words, and how many bytes
    /// of them came before end of file, or before it was clear that no helper of ours
    /// wrote them (four bytes that are not `marker`).
    ///
    /// Read as they come, the helper looked at every 100 ms until then: one that ended
    /// while a process of its own still holds the socket (a foreign helper's background
    /// child) is not waited for for ever (hostile pass, round 10), and it is looked at
    /// once more for what it wrote before it ended. A signal that interrupts the wait is
    /// no answer (taken for one, the read that followed blocked for ever on a helper that
    /// took the command and kept the socket: second hostile pass, round 10); nor is such
    /// a helper waited for once agentops-run was told to stop (`stopRequested`), until
    /// its marker came.
    private static func awaitStart(of process: Process, over socket: Int32, marker: Int32,
                                   stopRequested: () -> Bool) throws(LaunchError) -> ((Int32, Int32), Int) {
        var words: (Int32, Int32) = (-1, -1)
        var count = 0
        var exited = false
        while count < 8 {
            switch Readiness.readable(socket, milliseconds: 100) {
            case .ready, .failed:
                let n = withUnsafeMutableBytes(of: &words) { raw in
                    Descriptors.read(socket, into: UnsafeMutableRawBufferPointer(rebasing: raw[count...]))
                }
                guard n > 0 else { return (words, count) }
                count += n
                // Four bytes that are not the marker: no helper of ours wrote them.
                if count >= 4, words.0 != marker { return (words, count) }
                // Otherwise the rest (end of file at the exec, or its errno) is waited for
                // the same way, the helper looked at meanwhile (a blocking read waited for
                // ever on a file that echoed the marker and kept the socket: second hostile
                // pass, round 11).
                continue
            case .timedOut, .interrupted:
                break
            }
            // Not once the marker came: the command may be running already, and the
            // signal is forwarded to it as soon as the launch returns.
            if count < 4, stopRequested() { throw stopBeforeStart(process) }
            if isAlive(process) { continue }
            if exited { return (words, count) }
            exited = true
        }
        return (words, count)
    }

    /// Whether the helper is still there (running or stopped), looked at without waiting.
    private static func isAlive(_ process: Process) -> Bool {
        switch ChildWait.now(process.processIdentifier) {
        case .running, .changed(.stopped): return true
        case .changed, .reaped: return false
        }
    }

    /// Kills the helper, and says that agentops-run was told to stop (SIGTERM) before the
    /// command started.
    private static func stopBeforeStart(_ process: Process) -> LaunchError {
        killHelper(process)
        return .cannotPrepare(what: "the exec helper", reason: "agentops-run was told to stop before it started the command")
    }

    /// Kills a helper that did not start the command, with its group (Foundation made it
    /// a group leader: a foreign helper's children, hostile pass, round 10) and itself
    /// in case it left that group.
    private static func killHelper(_ process: Process) {
        Signals.send(SignalNumber.kill, to: -process.processIdentifier)
        Signals.send(SignalNumber.kill, to: process.processIdentifier)
    }

    /// Spawns the helper `prefix` names with a socket as its stdin, stdout and stderr:
    /// whatever a foreign helper prints goes to the handshake, not to the user's
    /// terminal. Ours replaces all three.
    private static func spawn(_ prefix: [String]) throws(LaunchError) -> Helper {
        guard let path = prefix.first else { throw .cannotPrepare(what: "the exec helper", reason: "no path") }
        guard let (ours, helpers) = Descriptors.socketPair() else {
            throw .cannotPrepare(what: "a socket for the exec helper", reason: errnoText())
        }
        let process = Process()
        // The command's environment travels over the socket. The small static helper
        // needs none (and, given none, no scan of this environment is made for it);
        // agentops-run's own helper mode gets agentops-run's, for its loader.
        // Without the entries holding bytes that are not UTF-8: Foundation would pass each
        // as its escape's four bytes (`SystemString`), and 32 KiB of them grew past the
        // kernel's 128 KiB for one string (E2BIG, hostile pass, round 10). The loader
        // needs none of them.
        process.environment = prefix.count > 1 && prefix[1] == ExecHelper.flag
            ? ThisProcess.environment.filter { !$0.key.utf8.contains(0xF4) && !$0.value.utf8.contains(0xF4) } : [:]
        let link = HelperLink()
        process.terminationHandler = { link.deliver($0) }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(prefix.dropFirst())
        let socket = FileHandle(fileDescriptor: helpers, closeOnDealloc: false)
        process.standardInput = socket
        process.standardOutput = socket
        process.standardError = socket
        var fileLimit: SpawnFileLimit.Change?
        do {
            try run(process, executable: path, fitFileLimit: { fileLimit = SpawnFileLimit.fit() },
                    restoreFileLimit: { fileLimit?.restoreOwn() })
        } catch {
            Descriptors.close(helpers)
            Descriptors.close(ours)
            throw error
        }
        Descriptors.close(helpers)
        return Helper(process: process, socket: ours, prefix: prefix, fileLimit: fileLimit, link: link)
    }

    /// `process.run()` with the start-up signal mask; `fitFileLimit` and
    /// `restoreFileLimit` run around it under the same lock (`SpawnFileLimit`).
    private static func run(_ process: Process, executable: String, fitFileLimit: () -> Void = {},
                            restoreFileLimit: () -> Void = {}) throws(LaunchError) {
        lock.lock()
        defer { lock.unlock() }
        fitFileLimit()
        defer { restoreFileLimit() }
        // Foundation's set-up, begun by the warm-up thread, must be done: without the
        // thread it starts (`ulimit -u`) it never is, and `run()` would wait for ever.
        if let reason = LaunchWarmUp.awaitFoundation() {
            throw .cannotPrepare(what: "Foundation's process thread", reason: reason)
        }
        let callerMask = StartupSignals.mask.apply()
        defer { callerMask.apply() }
        do {
            try process.run()
        } catch {
            let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code ?? (error as NSError).code
            // Foundation reports the spawn's errno as the code; anything else is its own.
            guard code > 0, code < 200 else { throw .notExecutable(path: executable, reason: .text("\(error)")) }
            throw .notExecutable(path: executable, reason: .system(SystemError(code: Int32(code))))
        }
    }
}

/// Whether the exec helper answered the handshake, and who hears of its end: read by
/// Foundation's termination thread. Set before anything is sent to the helper, so
/// before the command can end; a helper dismissed or refused ends unheard.
final class HelperLink: @unchecked Sendable {
    private let lock = NSLock()
    private var isAnswered = false
    private var onEnd: (@Sendable (Process) -> Void)?

    var answered: Bool {
        get { lock.withLock { isAnswered } }
        set { lock.withLock { isAnswered = newValue } }
    }

    var handler: (@Sendable (Process) -> Void)? {
        get { lock.withLock { onEnd } }
        set { lock.withLock { onEnd = newValue } }
    }

    /// Foundation's termination handler: passes the end on once answered.
    func deliver(_ process: Process) {
        let (answered, handler) = lock.withLock { (isAnswered, onEnd) }
        if answered { handler?(process) }
    }
}
