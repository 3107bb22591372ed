import AgentOpsKit
import Foundation
import Glibc

/// `agentops sync [ID] [--follow] [--catch-up] [--timeout DURATION] [--quiet]`: uploads
/// what the AgentOps API has not acknowledged yet, for one session or all of them.
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
        guard let configuration = APIConfiguration.required(environment, for: "sync", console: console) else { return 1 }
        let store = LocalStore(environment: environment)
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
                ids = try store.summaries().reversed()
                    .filter { !SyncState.isUploaded($0.session.id, store: store, summary: $0) }.map(\.session.id)
            } catch {
                console.error("\(error)")
                return 1
            }
        }
        let client = APIClient(configuration: configuration)
        let deadline = DispatchTime.now() + timeout
        var sent = 0
        var unsent: [SessionID] = []
        var problem: String?
        for id in ids {
            let exporter = AgentOpsExporter(store: store, id: id, client: client, deadline: deadline)
            let report = LogFollower(store: store, id: id, deadline: deadline).run(exporter, follow: follow)
            sent += exporter.eventsSent
            if !report.complete {
                unsent.append(id)
                problem = report.problem ?? problem
            }
        }
        if unsent.isEmpty {
            if catchUp { catchUpOthers(than: ids, store: store, client: client, deadline: deadline) }
            if !quiet { console.info("uploaded \(sent) events of \(ids.count) session\(ids.count == 1 ? "" : "s")") }
            return 0
        }
        console.warning("AgentOps API: \(problem ?? "not reachable"); \(unsent.count) session"
            + "\(unsent.count == 1 ? "" : "s") not fully uploaded, kept locally (run 'agentops sync' later)")
        return 1
    }

    /// Once a run's own session is uploaded, the sessions earlier runs left unsent:
    /// quietly, within a minute at most (the run no longer waits for this).
    static func catchUpOthers(than done: [SessionID], store: LocalStore, client: APIClient, deadline: DispatchTime) {
        let limit = min(deadline, .now() + 60)
        let pending = ((try? store.summaries()) ?? []).reversed().filter { summary in
            let id = summary.session.id
            return !done.contains(id) && SyncState.exists(id, store: store)
                && !SyncState.isUploaded(id, store: store, summary: summary)
        }.map(\.session.id)
        for id in pending where DispatchTime.now() < limit {
            let exporter = AgentOpsExporter(store: store, id: id, client: client, deadline: limit)
            _ = LogFollower(store: store, id: id, deadline: limit).run(exporter, follow: false)
        }
    }
}
