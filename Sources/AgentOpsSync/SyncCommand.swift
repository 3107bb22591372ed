import AgentOpsKit
import Foundation
import Glibc

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
        } catch {
            console.error("\(error)")
            return 2
        }
        let store = LocalStore(environment: environment)
        guard let backends = Backends(environment: environment, store: store, console: console) else { return 1 }
        let ids: [SessionID]
        if let query {
            do {
                ids = [try store.resolve(query)]
            } catch {
                console.error("\(error)")
                return 1
            }
        } else {
            do {
                ids = try store.summaries().reversed().filter { !backends.isDone($0) }.map(\.session.id)
            } catch {
                console.error("\(error)")
                return 1
            }
        }
        let deadline = DispatchTime.now() + timeout
        var sent = 0
        var spans = 0
        var unsent: [SessionID] = []
        var problems: [String] = []
        for id in ids {
            let exporters = backends.exporters(for: id, deadline: deadline)
            let reports = LogFollower(store: store, id: id, deadline: deadline)
                .run(exporters.map { $0 as SessionExporter }, follow: follow)
            for exporter in exporters {
                if let agentOps = exporter as? AgentOpsExporter { sent += agentOps.eventsSent }
                if let otlp = exporter as? OTLPExporter {
                    spans += otlp.spansSent
                    for rejection in otlp.rejections { console.warning("OTLP: \(rejection)") }
                }
            }
            if reports.contains(where: { !$0.complete }) { unsent.append(id) }
            for report in reports where !report.complete {
                let backend = report.exporter == OTLPConfiguration.exporter ? "OTLP" : "AgentOps API"
                let problem = "\(backend): \(report.problem ?? "not reachable")"
                if !problems.contains(problem) { problems.append(problem) }
            }
        }
        if unsent.isEmpty {
            if catchUp { catchUpOthers(than: ids, store: store, backends: backends, deadline: deadline) }
            if !quiet {
                let sessions = "\(ids.count) session\(ids.count == 1 ? "" : "s")"
                if backends.api != nil { console.info("uploaded \(sent) events of \(sessions)") }
                if backends.otlp != nil { console.info("exported \(spans) spans of \(sessions) to OTLP") }
            }
            return 0
        }
        console.warning("\(problems.isEmpty ? "AgentOps API: not reachable" : problems.joined(separator: "; "));"
            + " \(unsent.count) session\(unsent.count == 1 ? "" : "s") not fully uploaded, kept locally"
            + " (run 'agentops sync' later)")
        return 1
    }

    /// The backends the environment configures: the AgentOps API with a key, an OTLP
    /// collector with an endpoint.
    struct Backends {
        var api: APIClient?
        var otlp: (client: OTLPClient, mapping: OTLPTraceMapping)?
        let store: LocalStore

        /// The configured backends, or nil after saying on `console` why there is none.
        init?(environment: [String: String], store: LocalStore, console: Console) {
            self.store = store
            var apiProblem: APIConfiguration.Problem?
            do {
                api = APIClient(configuration: try APIConfiguration(environment: environment))
            } catch {
                apiProblem = error
            }
            do {
                let configuration = try OTLPConfiguration(environment: environment)
                let prices = (try? PriceTable.configured(file: nil, environment: environment)) ?? PriceTable()
                otlp = (OTLPClient(configuration: configuration), OTLPTraceMapping(environment: environment, prices: prices))
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

        /// One exporter per backend for session `id`.
        func exporters(for id: SessionID, deadline: DispatchTime) -> [AnyObject & SessionExporter] {
            var result: [AnyObject & SessionExporter] = []
            if let api { result.append(AgentOpsExporter(store: store, id: id, client: api, deadline: deadline)) }
            if let otlp {
                result.append(OTLPExporter(store: store, id: id, client: otlp.client, mapping: otlp.mapping,
                                           deadline: deadline))
            }
            return result
        }

        /// Whether every backend has all of the session, which has ended.
        func isDone(_ summary: SessionSummary) -> Bool {
            let id = summary.session.id
            if api != nil, !SyncState.isUploaded(id, store: store, summary: summary) { return false }
            if otlp != nil, summary.end == nil
                || !ExportCursor.isAcknowledged(id, store: store, exporter: OTLPConfiguration.exporter) {
                return false
            }
            return true
        }

        /// Whether session `id` was handed to some backend before.
        func wasHandedOver(_ id: SessionID) -> Bool {
            (api != nil && SyncState.exists(id, store: store))
                || (otlp != nil && ExportCursor.exists(id, store: store, exporter: OTLPConfiguration.exporter))
        }
    }

    /// Once a run's own session is uploaded, the sessions earlier runs left unsent:
    /// quietly, within a minute at most (the run no longer waits for this).
    static func catchUpOthers(than done: [SessionID], store: LocalStore, backends: Backends, deadline: DispatchTime) {
        let limit = min(deadline, .now() + 60)
        let pending = ((try? store.summaries()) ?? []).reversed().filter { summary in
            let id = summary.session.id
            return !done.contains(id) && backends.wasHandedOver(id) && !backends.isDone(summary)
        }.map(\.session.id)
        for id in pending where DispatchTime.now() < limit {
            let exporters = backends.exporters(for: id, deadline: limit).map { $0 as SessionExporter }
            _ = LogFollower(store: store, id: id, deadline: limit).run(exporters, follow: false)
        }
    }
}
