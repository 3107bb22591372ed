import AgentOpsKit
import AgentOpsSync

// All of it on a full stack whatever `ulimit -s` says: its readers recurse as deep as a
// stored value nests, and the runtime's first look-ups of Foundation's types recurse
// deeper than a main thread of 16 KiB, which died of SIGSEGV before anything was read.
// Under a stack limit of 8 MiB or more this runs right here.
ThisProcess.exit(PlainThread.runWithFullStack {
    // Foundation's and Dispatch's threads get a usable stack whatever `ulimit -s` says.
    PlainThread.raiseDefaultStack()
    // Under `ulimit -v`, address space stays bounded whatever the number of threads (the
    // LLM proxy's connections, the exporters').
    ThisProcess.limitAllocatorArenas()
    // Inside a run, AGENTOPS_API_ENDPOINT may be that run's listener for the SDK: the
    // tool talks to the real API behind it.
    let environment = ListenerEnvironment.upstream(ProcessEnvironment.current)
    return AgentOpsCommand.main(arguments: Array(CommandLine.arguments.dropFirst()), environment: environment,
                                network: AgentOpsAPICommands())
})
