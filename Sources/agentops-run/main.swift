import AgentOpsKit

// The hidden exec-helper mode becomes the command here, before anything else runs.
ExecHelper.runIfRequested(CommandLine.arguments)
// Before any thread or descriptor of our own exists: the child must inherit exactly
// this signal state and these descriptors.
StartupSignals.capture()
StartupDescriptors.capture()
ExecHelper.enable()
RunCommand.main(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.current)
    .terminate()
