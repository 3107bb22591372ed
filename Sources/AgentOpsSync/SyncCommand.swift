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
        var index = 0
        let console = Console(program: "agentops", quiet: false, environment: environment)
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--follow": follow = true
            case "--catch-up": catchUp = true
            case "--quiet", "-q": quiet = true
            case "--timeout":
                guard index + 1 < arguments.count, let seconds = DurationParser.seconds(arguments[index + 1]) else {
                    console.error("--timeout needs a duration such as 30s")
                    return 2
                }
                timeout = seconds
                index += 1
            default:
                guard !argument.hasPrefix("-"), query == nil else {
                    console.error("unexpected argument '\(argument)' for 'sync' (see 'agentops --help')")
                    return 2
                }
                query = argument
            }
            index += 1
        }
        let configuration: APIConfiguration
        do {
            configuration = try APIConfiguration(environment: environment)
        } catch {
            console.error("cannot sync: \(error)")
            return 1
        }
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
            ids = store.summaries().reversed().map(\.session.id).filter { !SyncState.isUploaded($0, store: store) }
        }
        let client = APIClient(configuration: configuration)
        let deadline = DispatchTime.now() + timeout
        var sent = 0
        var unsent: [SessionID] = []
        var problem: String?
        for id in ids {
            let report = SessionUploader(store: store, id: id, client: client, deadline: deadline).run(follow: follow)
            sent += report.eventsSent
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
        let pending = store.summaries().reversed().map(\.session.id)
            .filter { !done.contains($0) && SyncState.exists($0, store: store) && !SyncState.isUploaded($0, store: store) }
        for id in pending where DispatchTime.now() < limit {
            _ = SessionUploader(store: store, id: id, client: client, deadline: limit).run(follow: false)
        }
    }
}
