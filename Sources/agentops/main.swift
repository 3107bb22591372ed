import AgentOpsKit
import AgentOpsSync
import Glibc

let arguments = Array(CommandLine.arguments.dropFirst())
// `sync` talks to the AgentOps API; everything else is local.
exit(arguments.first == "sync"
    ? SyncCommand.main(arguments: Array(arguments.dropFirst()), environment: ProcessEnvironment.current)
    : AgentOpsCommand.main(arguments: arguments, environment: ProcessEnvironment.current))
