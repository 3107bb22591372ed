/// Which sessions without an end record are still running, for the `Running` state
/// `agentops sessions` and `show` display. It is a view only: the stored and exported
/// state stays the protocol's `Indeterminate` until the owner ends the session.
///
/// A session is running when a process of this user was started with
/// `AGENTOPS_SESSION_ID` set to it (the command agentops-run runs, and whatever that
/// starts, inherit it), or when its log was written in the last minute (a command that
/// cleared its environment still has its output recorded). An owner killed with
/// SIGKILL leaves neither behind, so its session reads as it is stored.
public struct SessionActivity: Sendable {
    /// The state shown for a running session.
    public static let running = "Running"
    /// How recently a log must have been written for its session to count as running.
    public static let recentSeconds = 60

    /// Session ids found in the environments of this user's processes.
    let liveIDs: Set<String>

    /// Scans `/proc` once; `scanProcesses: false` (no session lacks an end) skips it.
    public init(scanProcesses: Bool = true) {
        liveIDs = scanProcesses ? Self.sessionsInProcessEnvironments() : []
    }

    /// Whether the session of `summary`, logged at `path`, is running now.
    public func isRunning(_ summary: SessionSummary, path: String, now: Int64 = Clock.wallSeconds()) -> Bool {
        isRunning(summary.session.id, ended: summary.end != nil, path: path, now: now)
    }

    /// The state to show for the session of `row`: `Running`, or its stored end state.
    public func state(_ row: SessionRow, path: String) -> String {
        isRunning(row.id, ended: row.ended, path: path, now: Clock.wallSeconds()) ? Self.running : row.endState.rawValue
    }

    private func isRunning(_ id: SessionID, ended: Bool, path: String, now: Int64) -> Bool {
        guard !ended else { return false }
        if liveIDs.contains(id.value) { return true }
        guard let status = Files.status(path) else { return false }
        let (age, overflow) = now.subtractingReportingOverflow(status.modifiedSeconds)
        return !overflow && age < Int64(Self.recentSeconds)
    }

    /// The `AGENTOPS_SESSION_ID` values in `/proc/*/environ` that this user may read
    /// (others' processes are unreadable, and their sessions are not in this store).
    static func sessionsInProcessEnvironments() -> Set<String> {
        var ids = Set<String>()
        let key = Array("AGENTOPS_SESSION_ID=".utf8)
        // An environment is at most a few hundred KiB; the first 64 KiB holds the
        // variable in every realistic case, and a read here must stay cheap.
        ProcessEnvironments.forEach(limit: 1 << 16) { buffer in
            let count = buffer.count
            var start = 0
            for index in 0...count where index == count || buffer[index] == 0 {
                if index - start > key.count, buffer[start..<(start + key.count)].elementsEqual(key) {
                    ids.insert(String(decoding: buffer[(start + key.count)..<index], as: UTF8.self).lowercased())
                }
                start = index + 1
            }
        }
        return ids
    }
}
