/// Exit statuses of agentops-run's own making.
public enum ExitCodes {
    /// agentops-run was called wrongly, or could not prepare the run (as `timeout`,
    /// `env` and `chroot` use 125).
    public static let usage: Int32 = 125
    /// With `--strict`: the command succeeded but the upload did not (EX_TEMPFAIL:
    /// the session is kept, `agentops sync` can finish it).
    public static let telemetry: Int32 = 75
}
