import AgentOpsExec
import Glibc

// agentops-run-exec -- PATH ARG...: started by agentops-run only, with the socket that
// carries the command's descriptors as stdin (see ExecHelper).
let arguments = CommandLine.arguments
guard arguments.count >= 3, arguments[1] == "--" else {
    let message = "agentops-run-exec: agentops-run's helper that starts its command; not meant to be run directly\n"
    _ = message.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}
ExecHelper.become(Array(arguments[2...]))
