import AgentOpsKit
import AgentOpsSync

// Foundation's and Dispatch's threads get a usable stack whatever `ulimit -s` says.
PlainThread.raiseDefaultStack()
// Inside a run, AGENTOPS_API_ENDPOINT may be that run's listener for the SDK: the
// tool talks to the real API behind it.
ThisProcess.exit(AgentOpsCommand.main(arguments: Array(CommandLine.arguments.dropFirst()),
                                      environment: ListenerEnvironment.upstream(ProcessEnvironment.current),
                                      network: AgentOpsAPICommands()))
