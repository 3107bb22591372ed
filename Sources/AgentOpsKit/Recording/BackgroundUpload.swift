import Foundation
import Glibc

/// The upload of a run's session to the AgentOps API, as a separate process:
/// `agentops sync --follow ID`, started right after the command.
///
/// A process rather than a thread here because the networking library (libcurl,
/// through FoundationNetworking) would double agentops-run's start-up for every run,
/// key or not. It reads the session file that agentops-run writes, so the local store
/// stays the source of truth: whatever it has not uploaded when agentops-run stops
/// waiting is left for `agentops sync`.
public final class BackgroundUpload: @unchecked Sendable {
    private let process: Process
    private let exited = DispatchSemaphore(value: 0)

    /// Starts the upload of `session`, or returns nil (with the reason) when the
    /// `agentops` tool cannot be found or started.
    ///
    /// - Parameters:
    ///   - environment: the environment with the API key and endpoint.
    public static func start(session: SessionID, environment: [String: String]) -> Result<BackgroundUpload, Failure> {
        guard let tool = locateTool(environment: environment) else { return .failure(.toolNotFound) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["sync", session.value, "--follow", "--catch-up", "--timeout", "24h", "--quiet"]
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let upload = BackgroundUpload(process: process, session: session, store: LocalStore(environment: environment))
        process.terminationHandler = { [upload] _ in upload.exited.signal() }
        do {
            try process.run()
        } catch {
            return .failure(.cannotStart("\(error)"))
        }
        return .success(upload)
    }

    private let session: SessionID
    private let store: LocalStore

    private init(process: Process, session: SessionID, store: LocalStore) {
        self.process = process
        self.session = session
        self.store = store
    }

    /// Why the upload did not start or finish.
    public enum Failure: Error, CustomStringConvertible {
        case toolNotFound
        case cannotStart(String)
        case unfinished(seconds: Double)
        case failed

        public var description: String {
            switch self {
            case .toolNotFound: return "the agentops tool was not found next to agentops-run or on PATH"
            case let .cannotStart(reason): return "the upload could not start: \(reason)"
            case let .unfinished(seconds): return "the upload did not finish within \(DurationFormat.sdk(seconds))"
            case .failed: return "the upload failed"
            }
        }
    }

    /// Waits until the run's session is uploaded (acknowledged up to its end record, its
    /// last line), at most `seconds`; then stops the
    /// upload. Once the session is uploaded the process may go on, on its own, with
    /// sessions earlier runs left unsent (`--catch-up`).
    ///
    /// - Returns: nil when the session was uploaded, else why not.
    public func finish(within seconds: Double) -> Failure? {
        let deadline = DispatchTime.now() + seconds
        var ended = false
        while !ended {
            ended = exited.wait(timeout: .now() + 0.01) == .success
            if !ended, SyncState.isAcknowledged(session, store: store) { return nil }
            if DispatchTime.now() >= deadline { break }
        }
        if !ended {
            // Stopping it loses nothing: its progress is saved after each acknowledgement.
            kill(process.processIdentifier, SIGTERM)
            if exited.wait(timeout: .now() + 1) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            return .unfinished(seconds: seconds)
        }
        return process.terminationReason == .exit && process.terminationStatus == 0 ? nil : .failed
    }

    /// `agentops` next to this executable, else on `PATH`.
    static func locateTool(environment: [String: String]) -> String? {
        if let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let sibling = (me as NSString).deletingLastPathComponent + "/agentops"
            if access(sibling, X_OK) == 0 { return sibling }
        }
        return try? CommandResolver.resolve("agentops", searchPath: environment["PATH"])
    }
}
