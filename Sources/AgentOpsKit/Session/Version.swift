/// The agentops-run release, shown by `--version` and recorded in `host_env`.
public enum Version {
    /// The semantic version of this build.
    public static let current = "0.1.0"
}
