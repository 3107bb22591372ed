import AgentOpsKit
import AgentOpsSync

// Foundation's and Dispatch's threads get a usable stack whatever `ulimit -s` says.
PlainThread.raiseDefaultStack()
// Under `ulimit -v`, address space stays bounded whatever the number of threads (the
// LLM proxy's connections, the exporters').
ThisProcess.limitAllocatorArenas()
let arguments = Array(CommandLine.arguments.dropFirst())
// Inside a run, AGENTOPS_API_ENDPOINT may be that run's listener for the SDK: the
// tool talks to the real API behind it.
let environment = ListenerEnvironment.upstream(ProcessEnvironment.current)
// Its readers recurse as deep as a stored value nests: on a full stack, whatever
// `ulimit -s` says.
ThisProcess.exit(PlainThread.runWithFullStack {
    AgentOpsCommand.main(arguments: arguments, environment: environment, network: AgentOpsAPICommands())
})
