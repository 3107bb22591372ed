import AgentOpsExec

/// Which executable `ChildLauncher` starts as the exec helper (`ExecHelper`), found once
/// at start-up, and whether it turned out to be ours.
///
/// The helper is `agentops-run-exec` beside agentops-run (`swift build` and
/// `scripts/install` put it there): a Glibc-only binary whose exec costs a fraction of
/// exec'ing agentops-run's Foundation binary again. When it is missing (agentops-run
/// copied alone somewhere), agentops-run serves as its own helper through its hidden
/// `--exec-helper` mode: slower to start, the same guarantees.
///
/// A file there may also be foreign or stale: a symlink to `/bin/true`, a script, a
/// sleeper, the helper of an older build. Trusting it gave a misleading "No such
/// process", or a run that hung (issue 18's hostile pass). So the helper must answer
/// `ExecHelper.hello` within `helloDeadline` before it gets anything (`greet`); one that
/// does not is killed before it could start the command, agentops-run says so once
/// and uses its own helper mode from then on.
public enum ExecHelperLocation {
    /// `nonisolated(unsafe)`: set once by `enable()` in `main`, before any other
    /// thread exists; changed afterwards only by `fallBack`, on the one thread that
    /// launches agentops-run's one command.
    nonisolated(unsafe) private static var prefix: [String]?
    nonisolated(unsafe) private static var ownPrefix: [String]?

    /// How long the helper may take to say `hello` after its spawn. Ours does at once
    /// (a static binary's exec, a few hundred microseconds); the deadline only bounds a
    /// foreign one that never answers, so it is generous for a loaded machine.
    static let helloDeadline = 3.0

    /// Lets `ChildLauncher` start commands through the helper. Called by agentops-run's
    /// `main`; library users and tests that never call it launch directly (with
    /// Foundation's descriptor behaviour).
    public static func enable() {
        // A path, not "/proc/self/exe": resolved once, while we are still ourselves.
        guard let own = ThisProcess.executablePath else { return }
        // Foundation spawns by a `String` path, as UTF-8: installed where the path is not
        // UTF-8 (a Latin-1 folder name), neither the helper beside it nor that path can be
        // spawned, and every command failed, blamed on the command (hostile pass, round
        // 10). agentops-run then starts commands through itself, by "/proc/self/exe".
        guard SystemString.displayed(own) == own else {
            ownPrefix = ["/proc/self/exe", ExecHelper.flag]
            prefix = ownPrefix
            return
        }
        let helper = String(own[...(own.lastIndex(of: "/") ?? own.startIndex)]) + ExecHelper.executableName
        ownPrefix = [own, ExecHelper.flag]
        if Files.status(helper)?.kind == .regular, Files.isExecutable(helper) {
            prefix = [helper, ExecHelper.protocolArgument]
        } else {
            prefix = ownPrefix
        }
    }

    /// The helper's executable and its arguments, when enabled.
    static var launchPrefix: [String]? { prefix }

    /// Stops using the helper beside agentops-run after it failed the handshake
    /// (`reason`), with one warning on stderr.
    ///
    /// - Returns: false when it was agentops-run's own helper mode that failed: there is
    ///   nothing left to fall back to.
    static func fallBack(because reason: String) -> Bool {
        fallBack { "\($0) is not agentops-run's exec helper of this build (\(reason)); "
            + "starting the command through agentops-run itself (reinstall to fix)" }
    }

    /// Stops using the helper beside agentops-run after its spawn failed (`reason`, the
    /// spawn's error), with one warning on stderr.
    ///
    /// A helper being replaced (copied over in place while this run starts, which an
    /// exec refuses with `ETXTBSY`) is ours all the same, and reinstalling is what is
    /// under way: the warning says it was busy rather than calling it foreign.
    ///
    /// - Returns: false when it was agentops-run's own helper mode that failed.
    static func fallBack(unstartable reason: LaunchError.Refusal) -> Bool {
        guard reason == .system(.textFileBusy) else {
            return fallBack(because: "it could not be started: \(reason)")
        }
        return fallBack { "\($0) is busy (\(reason): it is being replaced); "
            + "starting the command through agentops-run itself" }
    }

    /// Switches to agentops-run's own helper mode and warns with `warning` of the
    /// helper's path; false when already there.
    private static func fallBack(warning: (String) -> String) -> Bool {
        guard let current = prefix, let own = ownPrefix, current != own else { return false }
        prefix = own
        Console(program: "agentops-run", quiet: false, environment: [:]).warning(warning(current[0]))
        return true
    }

    /// What the helper on the other end of `socket` did within `helloDeadline`: nil when
    /// it said `ExecHelper.hello`, else why it is not ours.
    ///
    /// The hello must be a line of its own, but whole lines before it are passed over
    /// (at most `preambleLimit` bytes): the helper's stdout and stderr are this socket,
    /// and its C and Swift runtimes may print before its `main` runs (an unknown
    /// `SWIFT_DEBUG_…` variable in the environment gets a warning line), which used to
    /// read as a foreign helper, and then the fallback's too: no command could start.
    /// agentops-run's own runtime prints the same warning to the user's stderr.
    static func greet(over socket: Int32) -> String? {
        let expected = ExecHelper.hello
        var heard: [UInt8] = []
        let deadline = Clock.monotonicMicroseconds() + Int64(helloDeadline * 1_000_000)
        var chunk = [UInt8](repeating: 0, count: 512)
        while !said(expected, lastIn: heard) {
            guard heard.count < preambleLimit + expected.count else { return "a wrong answer" }
            // The hello of another build's helper is no preamble: it will not say ours
            // (it was waited for until the deadline, hostile pass, round 10).
            if let other = otherHello(in: heard) { return "it speaks \(other)" }
            let left = deadline - Clock.monotonicMicroseconds()
            guard left > 0 else { return "no answer within \(Int(helloDeadline)) s" }
            switch Readiness.readable(socket, milliseconds: Int32(left / 1000) + 1) {
            case .ready: break
            case .interrupted, .timedOut: continue
            case let .failed(error): return "\(error)"
            }
            // Nothing follows the hello until agentops-run has sent the descriptors, so
            // reading more than the hello takes nothing that belongs to a later step.
            let wanted = min(chunk.count, preambleLimit + expected.count - heard.count)
            let count = chunk.withUnsafeMutableBytes { Descriptors.read(socket, into: .init(rebasing: $0[0..<wanted])) }
            guard count > 0 else { return heard.isEmpty ? "it exited without answering" : "a wrong answer" }
            heard += chunk[0..<count]
        }
        return nil
    }

    /// The first whole line of `heard` that begins as every helper's hello does but is
    /// not ours (as text, for the warning), if any.
    private static func otherHello(in heard: [UInt8]) -> String? {
        let prefix = ExecHelper.helloPrefix
        for line in heard.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        where line.starts(with: prefix) && !(line + [UInt8(ascii: "\n")]).elementsEqual(ExecHelper.hello) {
            return TerminalText.cell(String(decoding: line.dropFirst(prefix.count - "protocol ".utf8.count).prefix(40),
                                            as: UTF8.self))
        }
        return nil
    }

    /// The most bytes of whole lines taken before the hello line.
    static let preambleLimit = 4096

    /// Whether `heard` ends with the line `hello`, at its start or after a newline.
    private static func said(_ hello: [UInt8], lastIn heard: [UInt8]) -> Bool {
        guard heard.count >= hello.count, heard.suffix(hello.count).elementsEqual(hello) else { return false }
        return heard.count == hello.count || heard[heard.count - hello.count - 1] == UInt8(ascii: "\n")
    }

    /// agentops-run's own helper mode: becomes the command agentops-run sends if
    /// `arguments` (argv, with argv[0]) ask for it; never returns then. Call first thing
    /// in `main`.
    public static func runIfRequested(_ arguments: [String]) {
        guard arguments.count == 2, arguments[1] == ExecHelper.flag else { return }
        ExecHelper.become()
    }
}
