import AgentOpsKit
import Foundation
import FoundationNetworking

/// One HTTP exchange with the AgentOps API, through Foundation's `URLSession`.
///
/// Calls are synchronous for the uploader's own thread: each waits at most its
/// timeout, so a backend that accepts and never answers costs a bounded wait.
///
/// `@unchecked Sendable`: `URLSession` is thread-safe but not marked `Sendable` here;
/// the rest is immutable.
public final class APIClient: @unchecked Sendable {
    /// What came back.
    public enum Outcome: Sendable {
        /// A 2xx answer, with its body (possibly not JSON: callers that need JSON check).
        case ok(Data)
        /// Worth trying again later: connection errors, timeouts, 408, 429, 5xx.
        /// `after` is the server's `Retry-After` in seconds, when it sent one.
        case retry(reason: String, after: Double?)
        /// 401: the JWT is missing or expired.
        case unauthorized
        /// Any other answer: trying again will not help.
        case fail(reason: String)
    }

    private let configuration: APIConfiguration
    private let session: URLSession

    /// The URL of `path`; the endpoint was checked when the configuration was made, and
    /// the paths are this program's own, so a failure here is a bug, reported as such.
    private func url(_ path: String) -> URL {
        guard let url = URL(string: EndpointURL.join(configuration.endpoint, path)) else {
            preconditionFailure("APIConfiguration let through an endpoint that does not parse: \(path)")
        }
        return url
    }

    /// A client for `configuration`.
    public init(configuration: APIConfiguration) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.httpMaximumConnectionsPerHost = 1
        session = URLSession(configuration: sessionConfiguration)
    }

    /// POSTs `body` to `path`.
    ///
    /// - Parameters:
    ///   - jwt: sent as `Authorization: Bearer` when given.
    ///   - apiKey: whether to send `X-Agentops-Api-Key` (and the parent key).
    ///   - timeout: seconds before the exchange counts as timed out.
    public func post(_ path: String, body: JSONValue, jwt: String?, apiKey: Bool, timeout: Double) -> Outcome {
        post(path, encoded: JSONWriter.compact(body), jwt: jwt, apiKey: apiKey, timeout: timeout)
    }

    /// POSTs an already encoded JSON body.
    public func post(_ path: String, encoded body: [UInt8], jwt: String?, apiKey: Bool, timeout: Double) -> Outcome {
        var request = URLRequest(url: url(path))
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        return exchange(request, jwt: jwt, apiKey: apiKey, timeout: timeout)
    }

    /// GETs `path` with the API key.
    public func get(_ path: String, timeout: Double) -> Outcome {
        var request = URLRequest(url: url(path))
        request.httpMethod = "GET"
        return exchange(request, jwt: nil, apiKey: true, timeout: timeout)
    }

    private func exchange(_ base: URLRequest, jwt: String?, apiKey: Bool, timeout: Double) -> Outcome {
        var request = base
        request.timeoutInterval = max(0.1, timeout)
        request.setValue("application/json; charset=UTF-8", forHTTPHeaderField: "Content-Type")
        if apiKey {
            request.setValue(configuration.apiKey, forHTTPHeaderField: "X-Agentops-Api-Key")
            if let parent = configuration.parentKey { request.setValue(parent, forHTTPHeaderField: "X-Agentops-Parent-Key") }
        }
        if let jwt { request.setValue("Bearer \(jwt)", forHTTPHeaderField: "Authorization") }

        return Self.classify(BlockingExchange.answer(to: request, session: session, timeout: timeout))
    }

    static func classify(_ answer: BlockingExchange.Answer) -> Outcome {
        let http: HTTPURLResponse, data: Data
        switch answer {
        case let .unanswered(reason): return .retry(reason: reason, after: nil)
        case let .http(response, body): (http, data) = (response, body)
        }
        let status = http.statusCode
        switch status {
        case 200..<300:
            return .ok(data)
        case 401:
            return .unauthorized
        case 408, 429, 500..<600:
            let after = (http.value(forHTTPHeaderField: "Retry-After")).flatMap(Double.init)
            return .retry(reason: "HTTP \(status)", after: after)
        default:
            let message = (try? JSONParser.parse(data))?["message"]?.stringValue
            return .fail(reason: "HTTP \(status)" + (message.map { ": \($0)" } ?? ""))
        }
    }
}

extension URLError.Code {
    /// A short name for warnings.
    var description: String {
        switch self {
        case .cannotConnectToHost: return "connection refused"
        case .timedOut: return "timed out"
        case .cannotFindHost: return "host not found"
        case .networkConnectionLost: return "connection lost"
        case .notConnectedToInternet: return "no network"
        default: return "network error \(rawValue)"
        }
    }
}
