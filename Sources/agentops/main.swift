import AgentOpsKit
import Glibc

exit(AgentOpsCommand.main(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.current))
