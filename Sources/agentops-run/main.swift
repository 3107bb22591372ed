import AgentOpsKit

// Before any thread exists: the child must inherit exactly this signal state.
StartupSignals.capture()
RunCommand.main(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.current)
    .terminate()
