import AgentOpsExec
import Glibc

// agentops-run-exec --protocol=N: started by agentops-run only, with the socket that
// carries the command, its environment and its descriptors as stdin (see ExecHelper).
// Another protocol means another build: refusing it is how agentops-run learns to fall
// back.
let arguments = CommandLine.arguments
guard arguments.count == 2, arguments[1] == ExecHelper.protocolArgument else {
    let message = "agentops-run-exec: agentops-run's helper that starts its command; not meant to be run directly\n"
    _ = message.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}
ExecHelper.become()
