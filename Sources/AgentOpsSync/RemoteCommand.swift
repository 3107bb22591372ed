import AgentOpsKit
import Foundation

/// The `agentops` commands that talk to the AgentOps API, for the router
/// (`AgentOpsCommand.main(network:)`).
public struct AgentOpsAPICommands: NetworkCommands {
    /// The commands.
    public init() {}

    public func sync(_ arguments: [String], environment: [String: String]) -> Int32 {
        SyncCommand.main(arguments: arguments, environment: environment)
    }

    public func remote(_ command: String, query: String, pricesFile: String?, environment: [String: String]) -> Int32 {
        RemoteCommand.main(command, query: query, pricesFile: pricesFile, environment: environment)
    }
}

/// `agentops stats ID --remote` and `agentops export ID --remote`: the same documents,
/// as the AgentOps API has them (`GET /v2/sessions/<id>/stats` and `/export`).
enum RemoteCommand {
    /// Runs `agentops stats|export ID --remote`.
    ///
    /// - Returns: 0 with the document on stdout; 1 when the API or the key fails.
    static func main(_ command: String, query: String, pricesFile: String?, environment: [String: String]) -> Int32 {
        let console = Console(program: "agentops", quiet: false, environment: environment)
        do {
            try ProcessEnvironment.checkParentKey(environment)
        } catch {
            console.error("\(error)")
            return 2
        }
        guard let configuration = APIConfiguration.required(environment, for: "ask the AgentOps API", console: console)
        else { return 1 }
        // A local prefix or `last` names a stored session; anything else must be an id.
        let store = LocalStore(environment: environment)
        guard let id = (try? store.resolve(query)) ?? SessionID(query) else {
            console.error("'\(query)' is neither a stored session nor a session id")
            return 1
        }
        let path = "/v2/sessions/\(id.value)/\(command == "stats" ? "stats" : "export")"
        switch APIClient(configuration: configuration).get(path, timeout: 20) {
        case let .ok(data):
            guard let json = try? JSONParser.parse(data) else {
                console.error("the AgentOps API answered \(path) with something that is not JSON")
                return 1
            }
            print(JSONWriter.pretty(json))
            // The local figure beside the server's, when the session is stored here and
            // the two differ as printed.
            if command == "stats", let server = Cost.parse(json["cost"]),
               let summary = try? SessionLog.summary(path: store.path(of: id)),
               let prices = try? PriceTable.configured(file: pricesFile, environment: environment) {
                let local = summary.cost(prices)
                if Cost.sdkFormat(local) != Cost.sdkFormat(server) {
                    console.info("local cost $\(Cost.sdkFormat(local)) (the API's: $\(Cost.sdkFormat(server)))")
                }
            }
            return 0
        case let .retry(reason, _), let .fail(reason), let .malformed(reason):
            console.error("the AgentOps API could not answer \(path): \(reason)")
            return 1
        case .unauthorized:
            console.error("the AgentOps API refused the key for \(path) (HTTP 401)")
            return 1
        }
    }
}
