import Glibc

/// The rest of Linux's signal numbers the supervisor names, and the table of names.
extension SignalNumber {
    /// The terminal's window changed size (`SIGWINCH`).
    public static let windowChange = SIGWINCH
    /// Stop, which cannot be caught (`SIGSTOP`).
    public static let stop = SIGSTOP
    /// Continue a stopped process (`SIGCONT`).
    public static let `continue` = SIGCONT

    /// Every standard signal by its name without `SIG`, in number order (the
    /// real-time ones are `SignalTable`'s).
    public static let names: [(String, Int32)] = [
        ("HUP", SIGHUP), ("INT", SIGINT), ("QUIT", SIGQUIT), ("ILL", SIGILL), ("TRAP", SIGTRAP),
        ("ABRT", SIGABRT), ("BUS", SIGBUS), ("FPE", SIGFPE), ("KILL", SIGKILL), ("USR1", SIGUSR1),
        ("SEGV", SIGSEGV), ("USR2", SIGUSR2), ("PIPE", SIGPIPE), ("ALRM", SIGALRM), ("TERM", SIGTERM),
        ("STKFLT", SIGSTKFLT), ("CHLD", SIGCHLD), ("CONT", SIGCONT), ("STOP", SIGSTOP), ("TSTP", SIGTSTP),
        ("TTIN", SIGTTIN), ("TTOU", SIGTTOU), ("URG", SIGURG), ("XCPU", SIGXCPU), ("XFSZ", SIGXFSZ),
        ("VTALRM", SIGVTALRM), ("PROF", SIGPROF), ("WINCH", SIGWINCH), ("IO", SIGIO), ("PWR", SIGPWR),
        ("SYS", SIGSYS),
    ]
}
