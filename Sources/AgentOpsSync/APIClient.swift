import AgentOpsKit
import Foundation
import FoundationNetworking

/// One HTTP exchange with the AgentOps API, through `BlockingExchange` (URLSession for
/// `https://`, `PlainHTTPClient` for `http://`).
///
/// Calls are synchronous for the uploader's own thread: each waits at most its
/// timeout, so a backend that accepts and never answers costs a bounded wait.
///
/// `Sendable`: the exchange locks itself; the rest is immutable.
public final class APIClient: Sendable {
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
        /// An answer that is not HTTP one can read (`BlockingExchange.Answer.malformed`):
        /// not retried either, and not a refusal.
        case malformed(reason: String)
    }

    private let configuration: APIConfiguration
    private let exchange = BlockingExchange()

    /// A client for `configuration`.
    public init(configuration: APIConfiguration) {
        self.configuration = configuration
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
        send("POST", path, body: body, jwt: jwt, apiKey: apiKey, timeout: timeout)
    }

    /// GETs `path` with the API key.
    public func get(_ path: String, timeout: Double) -> Outcome {
        send("GET", path, body: [], jwt: nil, apiKey: true, timeout: timeout)
    }

    private func send(_ method: String, _ path: String, body: [UInt8], jwt: String?, apiKey: Bool,
                      timeout: Double) -> Outcome {
        let url = EndpointURL.join(configuration.endpoint, path)
        guard let endpoint = HTTPEndpoint(url) else {
            return Self.classify(.unanswered(reason: "\(url) is not a URL"))
        }
        var request = BlockingExchange.Request(method: method, endpoint: endpoint)
        request.set("Content-Type", "application/json; charset=UTF-8")
        if apiKey {
            request.set("X-Agentops-Api-Key", configuration.apiKey)
            if let parent = configuration.parentKey { request.set("X-Agentops-Parent-Key", parent) }
        }
        if let jwt { request.set("Authorization", "Bearer \(jwt)") }
        return Self.classify(exchange.answer(to: request, body: body, timeout: timeout))
    }

    static func classify(_ answer: BlockingExchange.Answer) -> Outcome {
        let http: BlockingExchange.HTTPAnswer
        switch answer {
        case let .unanswered(reason): return .retry(reason: reason, after: nil)
        case let .malformed(reason): return .malformed(reason: reason)
        case let .http(response): http = response
        }
        let data = Data(http.body)
        let status = http.statusCode
        switch status {
        case 200..<300:
            return .ok(data)
        case 401:
            return .unauthorized
        case 408, 429, 500..<600:
            let after = RetryAfter.seconds(http.value(forHTTPHeaderField: "Retry-After"))
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
        case .cannotParseResponse: return "malformed HTTP answer"
        case .cannotDecodeContentData, .cannotDecodeRawData: return "HTTP answer whose body does not decode"
        case .dataLengthExceedsMaximum: return "HTTP answer too large"
        default: return "network error \(rawValue)"
        }
    }
}
