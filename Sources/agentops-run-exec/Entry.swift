import CExecSystem

// agentops-run-exec --protocol=N: started by agentops-run only, with the socket that
// carries the command, its environment and its descriptors as stdin (see ExecHelper).
// Another protocol means another build: refusing it is how agentops-run learns to fall
// back.
//
// This executable is the `AgentOpsExec` sources (every file here but this one and
// CLibrary+Embedded.swift links to them) built in Embedded Swift: no Swift runtime to
// start, so its exec costs what a C program's does (issue 18, BENCHMARKS.md round 9).
// Embedded Swift has no `CommandLine`: this function is the C entry point SwiftPM links
// as `main`.
@_cdecl("agentops_run_exec_main")
func helperMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    // Bytes, not String ==: comparing Strings would link Unicode's normalization tables.
    guard argc == 2, let argument = argv[1],
          Array(UnsafeRawBufferPointer(start: argument, count: strlen(argument))) == Array(ExecHelper.protocolArgument.utf8)
    else {
        let message = "agentops-run-exec: agentops-run's helper that starts its command; not meant to be run directly\n"
        _ = message.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        exit(2)
    }
    ExecHelper.become()
}
