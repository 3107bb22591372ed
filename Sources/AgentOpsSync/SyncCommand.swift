import AgentOpsKit
import Foundation

/// `agentops sync [ID] [--follow] [--catch-up] [--timeout DURATION] [--quiet]`: uploads
/// what the configured backends (the AgentOps API, an OTLP collector) have not
/// acknowledged yet, for one session or all of them, each backend on its own thread.
public enum SyncCommand {
    /// Runs `agentops sync` with `arguments` (after `sync`).
    ///
    /// - Returns: 0 when everything is uploaded, 1 when something is still unsent or
    ///   there is no usable key, 2 for a usage error.
    public static func main(arguments: [String], environment: [String: String]) -> Int32 {
        var query: String?
        var follow = false
        var catchUp = false
        var quiet = false
        var timeout = 60.0
        let console = Console(program: "agentops", quiet: false, environment: environment)
        var cursor = ArgumentCursor(arguments)
        do {
            while !cursor.isAtEnd {
                if let value = try cursor.value(for: "--timeout") {
                    guard let seconds = DurationParser.seconds(value) else {
                        throw UsageError.invalidValue(option: "--timeout", value: value,
                                                      expected: "a duration such as 30s (at most \(DurationParser.maximumText))")
                    }
                    timeout = seconds
                } else if cursor.flag("--follow") {
                    follow = true
                } else if cursor.flag("--catch-up") {
                    catchUp = true
                } else if cursor.flag("--quiet", "-q") {
                    quiet = true
                } else if cursor.flag("--help", "-h") {
                    print(AgentOpsCommand.helpText)
                    return 0
                } else if cursor.current.hasPrefix("-") {
                    throw UsageError.unknownOption(cursor.current)
                } else if query == nil {
                    query = cursor.current
                    cursor.advance()
                } else {
                    throw UsageError.unexpectedArgument(cursor.current)
                }
            }
            try ProcessEnvironment.checkParentKey(environment)
            _ = try AgentOpsTransport(environment: environment)
        } catch {
            console.error("\(error)")
            return 2
        }
        let store = LocalStore(environment: environment)
        guard let backends = Backends(environment: environment, store: store, console: console) else { return 1 }
        let ids: [SessionID]
        if let query {
            do {
                let id = try store.resolve(query)
                // A log without a start record has nothing to send (show, stats and export
                // say the same); one being followed may not have it yet.
                if !follow { _ = try store.startRecordTimestamp(of: id) }
                ids = [id]
            } catch {
                console.error("\(error)")
                return 1
            }
        } else {
            do {
                let listing = try store.listing(warningOn: console)
                ids = listing.summaries().reversed().filter { !backends.isDone($0) }.map(\.session.id)
                // Nothing to send in them; said unless quiet (a run's background sync is).
                if !quiet { for note in listing.notes { console.warning(note) } }
            } catch {
                console.error("\(error)")
                return 1
            }
        }
        // Start-up is over; what follows is the export, which needs a fraction of the code.
        ThisProcess.mapCodeOnDemand()
        let deadline = DispatchTime.now() + timeout
        var sent = 0
        var spans: [String: Int] = [:]
        var unsent: [SessionID] = []
        var problems: [String] = []
        // Sessions given an end here because their recorder is gone, with that end's state.
        var closed: [EndState] = []
        for id in ids {
            // Following waits for the real end; otherwise a session whose recorder is gone
            // gets one (AbandonedSession).
            let closing = follow ? nil : backends.closing(of: id)
            let exporters = backends.exporters(for: id, deadline: deadline, closing: closing)
            let reports = LogFollower(store: store, id: id, deadline: deadline)
                .run(exporters.map { $0 as SessionExporter }, follow: follow)
            let closedAs = exporters.compactMap {
                ($0 as? AgentOpsExporter)?.closedAs ?? ($0 as? OTLPExporter)?.closedAs
            }
            if let state = closedAs.max() { closed.append(state) }
            for exporter in exporters {
                if let agentOps = exporter as? AgentOpsExporter { sent += agentOps.eventsSent }
                if let otlp = exporter as? OTLPExporter {
                    spans[otlp.name, default: 0] += otlp.spansSent
                    for rejection in otlp.rejections { console.warning("\(Backends.title(otlp.name)): \(rejection)") }
                }
            }
            if reports.contains(where: { !$0.complete }) { unsent.append(id) }
            for report in reports where !report.complete {
                let problem = "\(Backends.title(report.exporter)): \(report.problem ?? "not reachable")"
                if !problems.contains(problem) { problems.append(problem) }
            }
        }
        if unsent.isEmpty {
            if catchUp {
                // Said once: a sync of every session listed, and said it, already; a
                // quiet one (as agentops-run starts it, in the background) prints only
                // errors, and its warning would come after the run had returned.
                catchUpOthers(than: ids, store: store, backends: backends, deadline: deadline,
                              console: query == nil || quiet ? nil : console)
            }
            if !quiet {
                let sessions = "\(ids.count) session\(ids.count == 1 ? "" : "s")"
                let ending = closedNote(closed, of: ids.count)
                if backends.api != nil, backends.cloud == nil {
                    console.info("uploaded \(sent) events of \(sessions)\(ending)")
                }
                if backends.cloud != nil {
                    console.info("exported \(spans[AgentOpsTransport.otlpExporter, default: 0]) spans of \(sessions)"
                        + " to the AgentOps API over OTLP\(ending)")
                }
                if backends.otlp != nil {
                    let count = spans[OTLPConfiguration.exporter, default: 0]
                    console.info("exported \(count) spans of \(sessions) to OTLP\(ending)")
                }
            }
            return 0
        }
        console.warning("\(problems.isEmpty ? "AgentOps API: not reachable" : problems.joined(separator: "; "));"
            + " \(unsent.count) session\(unsent.count == 1 ? "" : "s") not fully uploaded, kept locally"
            + " (run 'agentops sync' later)")
        return 1
    }

    /// What the summary line adds for sessions this sync closed (`AbandonedSession`): an
    /// upload of 0 events still sent their end, and the user should know which.
    ///
    /// - Parameters:
    ///   - closed: the end state given to each session closed.
    ///   - total: the sessions synced.
    static func closedNote(_ closed: [EndState], of total: Int) -> String {
        guard !closed.isEmpty else { return "" }
        let states = Set(closed).sorted().map(\.rawValue).joined(separator: " or ")
        let which = total == 1 ? "it" : closed.count == total ? "them" : "\(closed.count) of them"
        let gone = closed.count == 1 ? "its recording process is gone" : "their recording processes are gone"
        return ", and closed \(which) as \(states): no end was recorded and \(gone)"
    }

    /// The backends the environment configures: the AgentOps API with a key (over v2 or
    /// OTLP, as `AgentOpsTransport` says), an OTLP collector with an endpoint.
    struct Backends {
        var api: APIClient?
        /// The AgentOps cloud over OTLP, when `AGENTOPS_RUN_EXPORT=otlp` (then `api` only
        /// signs in).
        var cloud: OTLPClient?
        var otlp: (client: OTLPClient, mapping: OTLPTraceMapping)?
        let mapping: OTLPTraceMapping
        let store: LocalStore
        /// Which sessions are still running, looked up once, when first needed.
        private let activity = Lazy<SessionActivity> { SessionActivity() }

        /// The configured backends, or nil after saying on `console` why there is none.
        init?(environment: [String: String], store: LocalStore, console: Console) {
            self.store = store
            let prices = (try? PriceTable.configured(file: nil, environment: environment)) ?? PriceTable()
            mapping = OTLPTraceMapping(environment: environment, prices: prices)
            var apiProblem: APIConfiguration.Problem?
            do {
                let configuration = try APIConfiguration(environment: environment)
                let client = APIClient(configuration: configuration)
                if (try? AgentOpsTransport(environment: environment)) == .otlp {
                    cloud = try AgentOpsCloudExporter.client(environment: environment, api: client,
                                                             apiKey: configuration.apiKey)
                }
                api = client
            } catch {
                apiProblem = error
            }
            do {
                let configuration = try OTLPConfiguration(environment: environment)
                otlp = (OTLPClient(configuration: configuration), mapping)
            } catch .notConfigured {
            } catch {
                console.warning("\(error)")
            }
            if let apiProblem {
                if otlp == nil || apiProblem != .noKey {
                    otlp == nil ? console.error("cannot sync: \(apiProblem)") : console.warning("\(apiProblem)")
                }
                if otlp == nil { return nil }
            }
        }

        /// How messages name the backend of `exporter`.
        static func title(_ exporter: String) -> String {
            switch exporter {
            case OTLPConfiguration.exporter: return "OTLP"
            case AgentOpsTransport.otlpExporter: return "AgentOps API (OTLP)"
            default: return "AgentOps API"
            }
        }

        /// The names of the exporters configured.
        var names: [String] {
            (api == nil ? [] : [cloud == nil ? SyncState.exporter : AgentOpsTransport.otlpExporter])
                + (otlp == nil ? [] : [OTLPConfiguration.exporter])
        }

        /// One exporter per backend for session `id`; `closing` ends an abandoned session.
        func exporters(for id: SessionID, deadline: DispatchTime,
                       closing: AbandonedSession.Closing?) -> [AnyObject & SessionExporter] {
            var result: [AnyObject & SessionExporter] = []
            if let cloud {
                result.append(AgentOpsCloudExporter.exporter(store: store, id: id, client: cloud, mapping: mapping,
                                                             deadline: deadline, closing: closing))
            } else if let api {
                result.append(AgentOpsExporter(store: store, id: id, client: api, deadline: deadline,
                                               closing: closing))
            }
            if let otlp {
                result.append(OTLPExporter(store: store, id: id, client: otlp.client, mapping: otlp.mapping,
                                           deadline: deadline, closing: closing))
            }
            return result
        }

        /// What gives session `id` an end when its log has none and never will; the
        /// processes are looked through on the first question only.
        func closing(of id: SessionID) -> AbandonedSession.Closing {
            let path = store.path(of: id)
            let activity = self.activity
            return { summary in AbandonedSession.closing(summary, path: path, activity: activity.value) }
        }

        /// Whether every backend has all of the session, which has ended (or was
        /// abandoned, and the backend was given an end for it).
        func isDone(_ summary: SessionSummary) -> Bool {
            let id = summary.session.id
            let transport = cloud == nil ? AgentOpsTransport.v2 : .otlp
            if api != nil, transport.isUploaded(id, store: store, summary: summary) != true { return false }
            // An OTLP cursor moves only once the whole trace, the root span with its end
            // included, is acknowledged.
            if otlp != nil, !ExportCursor.isAcknowledged(id, store: store, exporter: OTLPConfiguration.exporter)
                || ExportCursor.load(store: store, id: id, exporter: OTLPConfiguration.exporter).offset == 0 {
                return false
            }
            return true
        }

        /// Whether session `id` was handed to some backend before.
        func wasHandedOver(_ id: SessionID) -> Bool {
            names.contains { ExportCursor.exists(id, store: store, exporter: $0) }
        }
    }

    /// A value made on first use. `@unchecked Sendable`: made and read under `lock`.
    final class Lazy<Value>: @unchecked Sendable {
        private let make: () -> Value
        private var made: Value?
        private let lock = NSLock()

        init(_ make: @escaping () -> Value) { self.make = make }

        var value: Value {
            lock.lock()
            defer { lock.unlock() }
            if let made { return made }
            let value = make()
            made = value
            return value
        }
    }

    /// Once a run's own session is uploaded, the sessions earlier runs left unsent:
    /// quietly, within a minute at most (the run no longer waits for this). An index
    /// that could not be saved is said on `console`, when given.
    static func catchUpOthers(than done: [SessionID], store: LocalStore, backends: Backends, deadline: DispatchTime,
                              console: Console?) {
        let limit = min(deadline, .now() + 60)
        let listed = try? store.listing(warningOn: console)
        let pending = (listed?.summaries() ?? []).reversed().filter { summary in
            let id = summary.session.id
            return !done.contains(id) && backends.wasHandedOver(id) && !backends.isDone(summary)
        }.map(\.session.id)
        for id in pending where DispatchTime.now() < limit {
            let exporters = backends.exporters(for: id, deadline: limit, closing: backends.closing(of: id))
                .map { $0 as SessionExporter }
            _ = LogFollower(store: store, id: id, deadline: limit).run(exporters, follow: false)
        }
    }
}
