import AgentOpsKit
import AgentOpsSync
import Glibc

let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessEnvironment.current
// `sync` and `--remote` talk to the AgentOps API; everything else is local.
if arguments.first == "sync" {
    exit(SyncCommand.main(arguments: Array(arguments.dropFirst()), environment: environment))
} else if RemoteCommand.handles(arguments) {
    exit(RemoteCommand.main(arguments: arguments, environment: environment))
} else {
    exit(AgentOpsCommand.main(arguments: arguments, environment: environment))
}
