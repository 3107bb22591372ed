import AgentOpsKit
import AgentOpsSync

// Inside a run, AGENTOPS_API_ENDPOINT may be that run's listener for the SDK: the
// tool talks to the real API behind it.
ThisProcess.exit(AgentOpsCommand.main(arguments: Array(CommandLine.arguments.dropFirst()),
                                      environment: ListenerEnvironment.upstream(ProcessEnvironment.current),
                                      network: AgentOpsAPICommands()))
