/// A backend that a session log is exported to (the AgentOps v2 API; an OTLP
/// collector), record by record, behind a `LogFollower`.
///
/// An exporter keeps its own cursor (`ExportCursor`, `ID.<name>`) and moves it only past
/// what its backend acknowledged, so stopping anywhere loses nothing and a new
/// exporter never disturbs another's progress. Adding a backend is one conforming
/// type and its line in the registry of the `agentops` tool.
public protocol SessionExporter: AnyObject {
    /// The exporter's name: the suffix of its cursor files, and how messages name it.
    var name: String { get }
    /// The offset of the log the backend has acknowledged, where the follower resumes.
    var acknowledgedOffset: Int { get }
    /// Whether `take` needs the events, and the session folded with their counts. An
    /// exporter that reads the log itself once the session ends (OTLP) says no: the
    /// follower then passes over event lines unparsed, and its memory does not grow
    /// with the session (the fold keeps every LLM call id it counted).
    var takesEvents: Bool { get }
    /// Takes the next record of the log.
    ///
    /// - Parameters:
    ///   - session: the session folded up to and including `record`.
    ///   - offset: the offset just past the record's line.
    /// - Throws: to stop this export (the backend failed for good, the deadline
    ///   passed); the follower reports the error and keeps the cursor where it is.
    func take(_ record: StoreRecord, session: SessionSummary, endingAt offset: Int) throws
    /// Sends what is buffered, and moves the cursor to `offset` (past lines that were
    /// skipped as unreadable too) once everything before it is acknowledged.
    func flush(endingAt offset: Int, session: SessionSummary?) throws
}

extension SessionExporter {
    /// Events are taken unless an exporter says otherwise.
    public var takesEvents: Bool { true }
}

/// How one exporter's pass over a session went.
public struct ExportReport: Sendable {
    /// The exporter.
    public var exporter: String
    /// Whether everything recorded so far is acknowledged.
    public var complete = false
    /// Why not, when it is not.
    public var problem: String?

    /// A report for `exporter`.
    public init(exporter: String) { self.exporter = exporter }
}
