/// Exit statuses of agentops-run's own making.
public enum ExitCodes {
    /// agentops-run was called wrongly, or could not prepare the run (as `timeout`,
    /// `env` and `chroot` use 125).
    public static let usage: Int32 = 125
    /// With `--strict`: the command succeeded but the upload did not (EX_TEMPFAIL:
    /// the session is kept, `agentops sync` can finish it).
    public static let telemetry: Int32 = 75
    /// With `--fail-on-declared`: the command exited 0 but the session ended Fail or
    /// Indeterminate (declared from inside it). 1, the status of any failure, because
    /// a CI step only needs to fail; the session's state says why.
    public static let sessionFailed: Int32 = 1
}
