import AgentOpsExec

/// Which executable `ChildLauncher` starts as the exec helper (`ExecHelper`), found once
/// at start-up.
///
/// The helper is `agentops-run-exec` beside agentops-run (`swift build` and
/// `scripts/install` put it there): a Glibc-only binary whose exec costs a fraction of
/// exec'ing agentops-run's Foundation binary again. When it is missing (agentops-run
/// copied alone somewhere), agentops-run serves as its own helper through its hidden
/// `--exec-helper` mode: slower to start, the same guarantees.
public enum ExecHelperLocation {
    /// `nonisolated(unsafe)`: set once by `enable()` in `main`, before any other
    /// thread exists; only read afterwards.
    nonisolated(unsafe) private static var prefix: [String]?

    /// Lets `ChildLauncher` start commands through the helper. Called by agentops-run's
    /// `main`; library users and tests that never call it launch directly (with
    /// Foundation's descriptor behaviour).
    public static func enable() {
        // A path, not "/proc/self/exe": resolved once, while we are still ourselves.
        guard let own = ThisProcess.executablePath else { return }
        let helper = String(own[...(own.lastIndex(of: "/") ?? own.startIndex)]) + ExecHelper.executableName
        if Files.status(helper)?.kind == .regular, Files.isExecutable(helper) {
            prefix = [helper, "--"]
        } else {
            prefix = [own, ExecHelper.flag, "--"]
        }
    }

    /// The helper's executable and the arguments that come before the command's path,
    /// when enabled.
    static var launchPrefix: [String]? { prefix }

    /// agentops-run's own helper mode: becomes the command if `arguments` (argv, with
    /// argv[0]) ask for it; never returns then. Call first thing in `main`.
    public static func runIfRequested(_ arguments: [String]) {
        guard arguments.count >= 4, arguments[1] == ExecHelper.flag, arguments[2] == "--" else { return }
        ExecHelper.become(Array(arguments[3...]))
    }
}
