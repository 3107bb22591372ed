/// `agentops-run`: from the command line to a `WrappedRun`, and its exit status.
public enum RunCommand {
    /// Runs agentops-run with `arguments` (without argv[0]).
    ///
    /// Call `StartupSignals.capture()` before this, first thing in `main`.
    ///
    /// - Returns: how agentops-run must end (the child's status, or its signal).
    public static func main(arguments: [String], environment: [String: String]) -> WrapperExit {
        StandardDescriptors.ensureOpen()
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
        let dropped = StartupDescriptors.dropAboveHardLimit()
        if !dropped.closed.isEmpty {
            let numbers = dropped.closed.map(String.init).joined(separator: ", ")
            Console(program: "agentops-run", quiet: options.quiet, environment: environment).warning(
                "descriptor\(dropped.closed.count == 1 ? "" : "s") \(numbers) above the hard limit on open files "
                    + "(ulimit -Hn \(dropped.hard)) cannot be passed to the command; it runs without "
                    + (dropped.closed.count == 1 ? "it" : "them"))
        }
        do {
            try StartupDescriptors.checkPassable()
            try SpawnFileLimit.reserveHeadroom(openNow: StartupDescriptors.standardAndInherited)
        } catch {
            Console(program: "agentops-run", quiet: false, environment: environment).error("\(error)")
            return .code(ExitCodes.usage)
        }
        // Before anything is begun: under a `ulimit -v` that leaves too little, an
        // allocation on the way to the launch failed, and the run died of it.
        if let shortfall = AddressSpaceHeadroom.shortfallAtStart() {
            Console(program: "agentops-run", quiet: false, environment: environment).error(shortfall)
            return .code(ExitCodes.usage)
        }
        // As early as a run is sure to launch something (the spawn is a millisecond
        // away), and not before the descriptor limit is known to leave room: the
        // warm-up's Foundation set-up opens descriptors, and libdispatch traps when it
        // finds none (SIGILL under `ulimit -n 5`, the hostile pass of round 6).
        if let reason = LaunchWarmUp.start() {
            Console(program: "agentops-run", quiet: false, environment: environment).error(
                "cannot start a thread (\(reason)): is ulimit -u or ulimit -v too low?")
            return .code(ExitCodes.usage)
        }
        return WrappedRun.execute(options, environment: environment)
    }
}
