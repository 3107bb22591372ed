import AgentOpsKit

// All of it on a full stack whatever `ulimit -s` says: the runtime's first look-ups of
// Foundation's types recurse deeper than a main thread of 24 KiB, which died of SIGSEGV
// before the command started. A thread changes neither the signal state nor the
// descriptors the command inherits, and the command still gets the limit it was given.
// Under a stack limit of 8 MiB or more this runs right here.
_ = PlainThread.runWithFullStack {
    // The hidden exec-helper mode (when agentops-run-exec is missing) becomes the
    // command here, before anything else runs.
    ExecHelperLocation.runIfRequested(CommandLine.arguments)
    // Foundation's and Dispatch's threads get a usable stack whatever `ulimit -s` says.
    PlainThread.raiseDefaultStack()
    // Megabyte capture buffers are reused, not returned to the kernel and faulted in again.
    ThisProcess.keepFreedMemory()
    // Under `ulimit -v`, address space stays bounded whatever the number of threads.
    ThisProcess.limitAllocatorArenas()
    // Before any thread or descriptor of our own exists: the child must inherit exactly
    // this signal state and these descriptors.
    StartupSignals.capture()
    StartupDescriptors.capture()
    ExecHelperLocation.enable()
    // Arguments and environment without loss: bytes that are not UTF-8 reach the command
    // unchanged (`SystemString`).
    RunCommand.main(arguments: Array(ThisProcess.arguments.dropFirst()), environment: ProcessEnvironment.current)
        .terminate()
}
