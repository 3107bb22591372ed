#if hasFeature(Embedded)
import CExecSystem

// What Swift's Glibc overlay gives the other builds and `CExecSystem` cannot: the
// `AgentOpsExec` sources call these by the same names in both.

/// The calling thread's `errno`.
@usableFromInline
var errno: Int32 {
    get { agentops_exec_errno() }
    set { agentops_exec_set_errno(newValue) }
}

/// `fcntl` with an integer argument (the only form the helper uses).
func fcntl(_ fd: Int32, _ command: Int32, _ argument: Int32) -> Int32 {
    agentops_exec_fcntl(fd, command, argument)
}

/// `ioctl` with an integer argument (`TIOCSCTTY`).
func ioctl(_ fd: Int32, _ request: UInt, _ argument: Int32) -> Int32 {
    agentops_exec_ioctl(fd, request, argument)
}

/// The default action, for `signal`.
var SIG_DFL: __sighandler_t? { agentops_exec_sig_dfl() }

/// Ignoring, for `signal`.
var SIG_IGN: __sighandler_t? { agentops_exec_sig_ign() }

/// Where `d_name` starts in a `dirent` (`MemoryLayout.offset(of:)` needs a key path).
let direntNameOffset = Int(agentops_exec_dirent_name_offset())
#endif
