import AgentOpsKit
import Foundation
import FoundationNetworking

/// One OTLP/HTTP trace export (`POST` of an `ExportTraceServiceRequest`), with the
/// answer classified as the OTLP specification says: 429, 502, 503, 504 and a lost
/// connection are worth retrying (after `Retry-After` when given), every other failure
/// (an answer that is not readable HTTP too) is final, and a 200 may still carry a
/// partial success, which must not be retried.
///
/// `Sendable`: the exchange locks itself; the rest is immutable.
public final class OTLPClient: Sendable {
    /// What came back.
    public enum Outcome: Sendable, Equatable {
        /// Accepted; `rejected` holds what a partial success refused (0 and "" for none).
        case accepted(rejected: Int64, message: String)
        case retry(reason: String, after: Double?)
        case fail(reason: String)
        /// An answer that is not HTTP one can read: final, as a refusal is, but said as
        /// what it is.
        case malformed(reason: String)
        /// The AgentOps cloud refused the key, or a renewed JWT: final, and said as it is
        /// (the spans themselves were never looked at).
        case unauthorized(reason: String)
    }

    /// The exporter's settings.
    public let configuration: OTLPConfiguration
    private let exchange = BlockingExchange()
    /// The AgentOps cloud's JWT, for a client that sends there (`AgentOpsCloudExporter`).
    private let token: AgentOpsAuthToken?

    /// A client for `configuration`.
    ///
    /// - Parameter token: sent as `Authorization: Bearer`, with its project id in each
    ///   resource; renewed once when the endpoint answers 401.
    public init(configuration: OTLPConfiguration, token: AgentOpsAuthToken? = nil) {
        self.configuration = configuration
        self.token = token
    }

    /// Sends `request`, encoded and compressed as configured, waiting at most `timeout`
    /// (for each exchange, the sign-in included).
    public func export(_ request: OTLPTraceRequest, timeout: Double) -> Outcome {
        guard let token else { return post(request, bearer: nil, timeout: timeout).outcome }
        var grant: AgentOpsAuthToken.Grant
        switch token.current(timeout: timeout) {
        case let .success(current): grant = current
        case let .failure(failure): return Self.outcome(failure)
        }
        let first = post(request.addingProject(grant.projectID), bearer: grant.jwt, timeout: timeout)
        guard first.status == 401 else { return first.outcome }
        // An expired JWT: sign in again, once; a second 401 is final.
        switch token.renew(replacing: grant, timeout: timeout) {
        case let .success(renewed): grant = renewed
        case let .failure(failure): return Self.outcome(failure)
        }
        let second = post(request.addingProject(grant.projectID), bearer: grant.jwt, timeout: timeout)
        guard second.status == 401 else { return second.outcome }
        return .unauthorized(reason: "\(configuration.endpoint) refused a new token from /v3/auth/token (HTTP 401)")
    }

    private static func outcome(_ failure: AgentOpsAuthToken.Failure) -> Outcome {
        switch failure {
        case let .unreachable(reason, after): return .retry(reason: reason, after: after)
        case let .refused(reason): return .unauthorized(reason: reason)
        case let .malformed(reason): return .malformed(reason: reason)
        }
    }

    /// One POST of `request`, and its HTTP status when one came back.
    private func post(_ request: OTLPTraceRequest, bearer: String?,
                      timeout: Double) -> (outcome: Outcome, status: Int?) {
        // Parsed once, with the configuration: not again for every batch.
        guard let endpoint = configuration.parsedEndpoint else {
            return (.fail(reason: "\(configuration.endpoint) is not a URL"), nil)
        }
        var http = BlockingExchange.Request(method: "POST", endpoint: endpoint)
        for header in configuration.headers { http.set(header.name, header.value) }
        http.set("Content-Type", configuration.encoding.contentType)
        http.set("User-Agent", "agentops-run/\(Version.current)")
        if let bearer { http.set("Authorization", "Bearer \(bearer)") }
        let answer: BlockingExchange.Answer
        if configuration.gzip {
            http.set("Content-Encoding", "gzip")
            let body = Deflate.gzip(configuration.encoding == .protobuf ? request.protobuf : request.json)
            answer = exchange.answer(to: http, body: body, timeout: timeout)
        } else if configuration.encoding == .protobuf {
            // Straight from the encoder's buffer: the batch is not copied.
            answer = request.withProtobuf { exchange.answer(to: http, body: $0, timeout: timeout) }
        } else {
            answer = exchange.answer(to: http, body: request.json, timeout: timeout)
        }
        let status: Int? = if case let .http(response) = answer { response.statusCode } else { nil }
        if case let .malformed(reason) = answer {
            return (.malformed(reason: "\(configuration.endpoint): \(reason)"), nil)
        }
        return (Self.classify(answer), status)
    }

    static func classify(_ answer: BlockingExchange.Answer) -> Outcome {
        let http: BlockingExchange.HTTPAnswer
        switch answer {
        case let .unanswered(reason): return .retry(reason: reason, after: nil)
        case let .malformed(reason): return .malformed(reason: reason)
        case let .http(response): http = response
        }
        let body = http.body
        let json = http.value(forHTTPHeaderField: "Content-Type")?.contains("json") ?? false
        switch http.statusCode {
        case 200..<300:
            let answer = json ? try? OTLPTraceResponse(json: body) : try? OTLPTraceResponse(protobuf: body)
            let partial = answer?.partialSuccess
            return .accepted(rejected: partial?.rejectedSpans ?? 0, message: partial?.errorMessage ?? "")
        case 429, 502, 503, 504:
            let after = RetryAfter.seconds(http.value(forHTTPHeaderField: "Retry-After"))
            return .retry(reason: "HTTP \(http.statusCode)", after: after)
        default:
            let message = statusMessage(body, contentType: http.value(forHTTPHeaderField: "Content-Type"))
            return .fail(reason: "HTTP \(http.statusCode)" + (message.map { ": \($0)" } ?? ""))
        }
    }

    /// Why a collector refused: the `message` of a `google.rpc.Status` body (field 2 in
    /// protobuf, or JSON), the `detail` of FastAPI's JSON errors, or a short printable body
    /// (Arize Phoenix answers its 415 in `text/plain`).
    static func statusMessage(_ body: [UInt8], contentType: String?) -> String? {
        let type = contentType?.lowercased() ?? ""
        if type.contains("json") {
            let value = try? JSONParser.parse(body)
            return value?["message"]?.stringValue ?? value?["detail"]?.stringValue
        }
        if !type.hasPrefix("text/"), let message = protobufStatusMessage(body) { return message }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return !text.isEmpty && text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) ? text : nil
    }

    /// Field 2 (`message`) of a protobuf `google.rpc.Status`, if the body is one.
    static func protobufStatusMessage(_ body: [UInt8]) -> String? {
        var i = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0, shift: UInt64 = 0
            while i < body.count, shift < 64 {
                let byte = body[i]
                i += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        while i < body.count, let key = varint() {
            switch key & 7 {
            case 0: guard varint() != nil else { return nil }
            case 1: i += 8
            case 5: i += 4
            case 2:
                guard let length = varint(), length <= UInt64(body.count - i) else { return nil }
                if key >> 3 == 2 { return String(decoding: body[i..<(i + Int(length))], as: UTF8.self) }
                i += Int(length)
            default: return nil
            }
        }
        return nil
    }
}

