import AgentOpsKit
import AgentOpsSync
import Glibc

let arguments = Array(CommandLine.arguments.dropFirst())
// Inside a run, AGENTOPS_API_ENDPOINT may be that run's listener for the SDK: the
// tool talks to the real API behind it.
let environment = ListenerEnvironment.upstream(ProcessEnvironment.current)
// `sync` and `--remote` talk to the AgentOps API; everything else is local.
if arguments.first == "sync" {
    exit(SyncCommand.main(arguments: Array(arguments.dropFirst()), environment: environment))
} else if RemoteCommand.handles(arguments) {
    exit(RemoteCommand.main(arguments: arguments, environment: environment))
} else {
    exit(AgentOpsCommand.main(arguments: arguments, environment: environment))
}
