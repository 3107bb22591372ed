import Foundation

/// The export of a run's session to every configured backend, as a separate process:
/// `agentops sync --follow ID`, started right after the command, which follows the
/// session log with each exporter (`LogFollower`).
///
/// A process rather than a thread here because the networking library (libcurl,
/// through FoundationNetworking) would double agentops-run's start-up for every run,
/// key or not. It reads the session log that agentops-run writes, so the local store
/// stays the source of truth: whatever it has not exported when agentops-run stops
/// waiting is left for `agentops sync`.
public final class BackgroundExport: Sendable {
    private let process: AgentOpsToolProcess
    /// The exporters whose cursors say when the session is exported.
    private let exporters: [String]

    /// Starts the export of `session`, or says why it cannot start (the `agentops`
    /// tool cannot be found or started).
    ///
    /// - Parameters:
    ///   - environment: the environment with the backends' settings.
    ///   - exporters: the names of the exporters that environment configures.
    public static func start(session: SessionID, environment: [String: String],
                             exporters: [String] = [SyncState.exporter]) -> Result<BackgroundExport, Failure> {
        let store = LocalStore(environment: environment)
        let started = AgentOpsTool.start(["sync", session.value, "--follow", "--catch-up", "--timeout", "24h", "--quiet"],
                                         environment: environment, standardInput: FileHandle.nullDevice,
                                         standardOutput: FileHandle.nullDevice)
        return started.map { BackgroundExport(process: $0, session: session, store: store, exporters: exporters) }
            .mapError { .notStarted($0) }
    }

    private let session: SessionID
    private let store: LocalStore

    private init(process: AgentOpsToolProcess, session: SessionID, store: LocalStore, exporters: [String]) {
        self.process = process
        self.session = session
        self.store = store
        self.exporters = exporters
    }

    /// How a warning names where the session goes: the AgentOps API when it is among
    /// `exporters`, the OpenTelemetry collector when that is all (a run with only
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` set was told of "AgentOps API").
    public static func destination(of exporters: [String]) -> String {
        guard exporters.contains(OTLPConfiguration.exporter) else { return "AgentOps API" }
        return exporters.allSatisfy { $0 == OTLPConfiguration.exporter }
            ? "OpenTelemetry collector" : "AgentOps API and OpenTelemetry collector"
    }

    /// `destination(of:)` this export's exporters.
    public var destination: String { Self.destination(of: exporters) }

    /// Why the upload did not start or finish.
    public enum Failure: Error, CustomStringConvertible {
        case notStarted(AgentOpsTool.StartFailure)
        case unfinished(seconds: Double)
        case interrupted(signal: String)
        case failed

        public var description: String {
            switch self {
            case let .notStarted(failure): return "the upload could not start: \(failure)"
            case let .unfinished(seconds): return "the upload did not finish within \(DurationFormat.sdk(seconds))"
            case let .interrupted(signal): return "the upload was cut short by \(signal)"
            case .failed: return "the upload failed"
            }
        }
    }

    /// Waits until every exporter acknowledged the run's session up to its end record
    /// (its last line), at most `seconds`; then stops the export. Once the session is
    /// exported the process may go on, on its own, with sessions earlier runs left
    /// unsent (`--catch-up`).
    ///
    /// - Parameter interruptedBy: a terminating signal that arrived meanwhile, if any: the
    ///   wait stops at once when it gives one.
    /// - Returns: nil when the session was uploaded, else why not.
    public func finish(within seconds: Double, interruptedBy: () -> Int32? = { nil }) -> Failure? {
        let deadline = DispatchTime.now() + seconds
        var ended = false
        var interrupted: Int32?
        while !ended {
            // Every 2 ms: the run's own exit waits on this, and a look is a `stat` and a
            // small read per exporter.
            ended = process.waitForExit(within: 0.002)
            if !ended, exporters.allSatisfy({ ExportCursor.isAcknowledged(session, store: store, exporter: $0) }) {
                return nil
            }
            interrupted = interruptedBy()
            if interrupted != nil || DispatchTime.now() >= deadline { break }
        }
        if !ended {
            // Stopping it loses nothing: each cursor is saved after each acknowledgement.
            process.stop(with: SignalNumber.terminate)
            if let interrupted { return .interrupted(signal: SignalNames.name(of: interrupted)) }
            return .unfinished(seconds: seconds)
        }
        return process.succeeded ? nil : .failed
    }
}
