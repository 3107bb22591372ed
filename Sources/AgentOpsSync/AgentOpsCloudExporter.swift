import AgentOpsKit
import Foundation

/// The AgentOps cloud over OTLP (`AGENTOPS_RUN_EXPORT=otlp`), as the 0.4 SDK sends: the
/// API key buys a JWT and the project id at `/v3/auth/token`, and the session goes as
/// one OpenTelemetry trace to `AGENTOPS_EXPORTER_ENDPOINT` with `Authorization: Bearer`.
///
/// It is the OTLP exporter (its batches, retries, cursor and resumption) under its own
/// name, `agentops-otlp`, with a client that carries this token: only the credentials
/// are the cloud's own.
enum AgentOpsCloudExporter {
    /// The client for the traces endpoint of `environment`, authenticating through `api`.
    ///
    /// - Throws: `APIConfiguration.Problem.badExporterEndpoint`.
    static func client(environment: [String: String], api: APIClient,
                       apiKey: String) throws(APIConfiguration.Problem) -> OTLPClient {
        let configuration = try AgentOpsTransport.tracesConfiguration(environment: environment)
        return OTLPClient(configuration: configuration, token: AgentOpsAuthToken(api: api, apiKey: apiKey))
    }

    /// An exporter of session `id` to the cloud through `client`.
    static func exporter(store: LocalStore, id: SessionID, client: OTLPClient, mapping: OTLPTraceMapping,
                         deadline: DispatchTime, closing: AbandonedSession.Closing?) -> OTLPExporter {
        OTLPExporter(store: store, id: id, client: client, mapping: mapping, deadline: deadline,
                     name: AgentOpsTransport.otlpExporter, closing: closing)
    }
}

/// The JWT the AgentOps API gives for an API key (`POST /v3/auth/token`), kept for the
/// process and fetched again when the collector refuses it (401): one sign-in serves
/// every session a `sync` exports.
///
/// `@unchecked Sendable`: the grant is read and replaced under `lock`.
public final class AgentOpsAuthToken: @unchecked Sendable {
    /// What the API answered: both are required, as the SDK requires them.
    public struct Grant: Sendable, Equatable {
        public var jwt: String
        public var projectID: String
    }

    /// Why there is no token.
    public enum Failure: Error, Sendable {
        /// The API could not be asked (network, 5xx): worth trying again.
        case unreachable(reason: String, after: Double?)
        /// The API refused the key, or answered without a token: trying again will not help.
        case refused(String)
        /// The API's answer is not HTTP one can read: final too, but no refusal.
        case malformed(String)
    }

    private let api: APIClient
    private let apiKey: String
    private let lock = NSLock()
    private var grant: Grant?

    /// A token for `apiKey`, asked of `api`.
    public init(api: APIClient, apiKey: String) {
        self.api = api
        self.apiKey = apiKey
    }

    /// The grant in hand, or a new one.
    public func current(timeout: Double) -> Result<Grant, Failure> {
        lock.lock()
        defer { lock.unlock() }
        if let grant { return .success(grant) }
        return authenticate(timeout: timeout)
    }

    /// A new grant in place of `stale`, which the collector refused (unless another
    /// thread already replaced it).
    public func renew(replacing stale: Grant, timeout: Double) -> Result<Grant, Failure> {
        lock.lock()
        defer { lock.unlock() }
        if let grant, grant != stale { return .success(grant) }
        grant = nil
        return authenticate(timeout: timeout)
    }

    /// `POST /v3/auth/token {"api_key": …}`, the key in the body only (the SDK sends
    /// no key header there). Called with `lock` held.
    private func authenticate(timeout: Double) -> Result<Grant, Failure> {
        let body = JSONValue.object([("api_key", .string(apiKey))])
        switch api.post("/v3/auth/token", body: body, jwt: nil, apiKey: false, timeout: timeout) {
        case let .ok(data):
            guard let json = try? JSONParser.parse(data), let jwt = json["token"]?.stringValue, !jwt.isEmpty,
                  let project = json["project_id"]?.stringValue else {
                return .failure(.refused("/v3/auth/token answered without a token and a project_id"))
            }
            let fresh = Grant(jwt: jwt, projectID: project)
            grant = fresh
            return .success(fresh)
        case .unauthorized:
            return .failure(.refused("the AgentOps API refused the key (HTTP 401)"))
        case let .fail(reason):
            return .failure(.refused("the AgentOps API refused the key (\(reason))"))
        case let .malformed(reason):
            return .failure(.malformed("/v3/auth/token: \(reason)"))
        case let .retry(reason, after):
            return .failure(.unreachable(reason: "/v3/auth/token: \(reason)", after: after))
        }
    }
}

extension OTLPTraceRequest {
    /// The request with `agentops.project.id` in each resource, as the SDK's resource
    /// carries it (unless the user's `OTEL_RESOURCE_ATTRIBUTES` set one).
    func addingProject(_ projectID: String) -> OTLPTraceRequest {
        var request = self
        for index in request.resourceSpans.indices
        where !request.resourceSpans[index].resource.attributes.contains(where: { $0.key == "agentops.project.id" }) {
            request.resourceSpans[index].resource.attributes.append(
                OTLPKeyValue("agentops.project.id", .string(projectID)))
        }
        return request
    }
}
