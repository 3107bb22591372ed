import AgentOpsExec
import Glibc

// agentops-run-exec --protocol=N -- PATH ARG...: started by agentops-run only, with the
// socket that carries the command's descriptors as stdin (see ExecHelper). Another
// protocol means another build: refusing it is how agentops-run learns to fall back.
let arguments = CommandLine.arguments
guard arguments.count >= 4, arguments[1] == ExecHelper.protocolArgument, arguments[2] == "--" else {
    let message = "agentops-run-exec: agentops-run's helper that starts its command; not meant to be run directly\n"
    _ = message.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}
ExecHelper.become(Array(arguments[3...]))
