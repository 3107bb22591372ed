/// Which descriptors the command gets as stdin, stdout and stderr, and which ends
/// agentops-run reads.
struct Wiring {
    var childStdin: Int32 = 0
    var childStdout: Int32
    var childStderr: Int32
    var parentStdout: Int32
    var parentStderr: Int32
    /// Pseudo-terminal masters whose size follows agentops-run's terminal.
    var terminalMasters: [Int32]
    /// The terminal whose size is copied.
    var sizeSource: Int32
    /// The parent's ends are the pump's to close; these are closed once the command runs.
    /// Distinct numbers in an array, not a `Set`: nothing else before the launch needs
    /// `Int32: Hashable`, whose first use scans the binary's conformance table (issue 18).
    private var childEnds: [Int32]

    /// Per-stream: a pipe or a pseudo-terminal for each output stream, stdin inherited.
    init(mode: TerminalMode) throws(LaunchError) {
        let sizeSource = [Int32(1), 2, 0].first(where: Descriptors.isTerminal) ?? 1
        func channel(_ stream: OutputStream) throws(LaunchError) -> OutputChannel {
            mode.usesTerminal(for: stream) ? try .terminal(sizedLike: sizeSource) : try .pipe()
        }
        let stdout = try channel(.stdout)
        let stderr: OutputChannel
        do {
            stderr = try channel(.stderr)
        } catch {
            Descriptors.close(stdout.parentFD)
            Descriptors.close(stdout.childFD)
            throw error
        }
        childStdout = stdout.childFD
        childStderr = stderr.childFD
        parentStdout = stdout.parentFD
        parentStderr = stderr.parentFD
        terminalMasters = [stdout, stderr].filter(\.isTerminal).map(\.parentFD)
        self.sizeSource = sizeSource
        childEnds = stdout.childFD == stderr.childFD ? [stdout.childFD] : [stdout.childFD, stderr.childFD]
    }

    /// Interactive: the command's pseudo-terminal as all three streams.
    init(terminal: InteractiveTerminal) {
        childStdin = terminal.slave
        childStdout = terminal.slave
        childStderr = terminal.slave
        parentStdout = terminal.master
        parentStderr = terminal.master
        terminalMasters = [terminal.master]
        sizeSource = 0
        childEnds = [terminal.slave]
    }

    /// Closes the command's ends once it runs (or failed to start).
    func closeChildEnds() {
        for fd in childEnds { Descriptors.close(fd) }
    }
}
