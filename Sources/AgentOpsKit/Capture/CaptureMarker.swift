/// Tells a nested agentops-run which of its streams are already being recorded.
///
/// `agentops-run -- agentops-run -- cmd`: the outer run records everything written to
/// the pipes it gave its child, so the inner run must not record the same lines again.
/// The outer run names its pipes (device and inode) and the session in
/// `AGENTOPS_RUN_CAPTURE`; the inner run compares them with what its own stdout and
/// stderr are. Output redirected elsewhere (`cmd > file` inside a shell child) no
/// longer matches and is recorded by the inner run.
public enum CaptureMarker {
    /// The environment variable.
    public static let variable = "AGENTOPS_RUN_CAPTURE"

    /// The value naming `stdoutFD` and `stderrFD` (the command's ends) as recorded
    /// into `session`; a nil descriptor is a stream whose output is not recorded.
    public static func value(session: SessionID, stdoutFD: Int32?, stderrFD: Int32?) -> String {
        "\(session.value);\(stdoutFD.flatMap(identity) ?? "-");\(stderrFD.flatMap(identity) ?? "-")"
    }

    /// Whether `stream` of this process is a pipe an outer run records into `session`.
    public static func isRecordedUpstream(_ stream: OutputStream, session: SessionID,
                                          environment: [String: String]) -> Bool {
        guard let value = environment[variable] else { return false }
        let parts = value.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == session.value, let mine = identity(stream.fileDescriptor) else {
            return false
        }
        return parts[stream == .stderr ? 2 : 1] == mine
    }

    /// `dev:inode` of a pipe or terminal; nil for anything else (files, closed fds).
    static func identity(_ fd: Int32) -> String? {
        guard let identity = Descriptors.streamIdentity(fd) else { return nil }
        return "\(identity.device):\(identity.inode)"
    }
}
