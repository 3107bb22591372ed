import AgentOpsKit
import Foundation
import FoundationNetworking

/// One HTTP exchange, waited for on the calling thread: the exporters run on threads of
/// their own and go one request at a time, so a blocking call is the plain way to write
/// them. The wait is bounded as a whole, so a backend that accepts and never answers
/// costs at most `timeout`.
///
/// The one seam both clients (`APIClient`, `OTLPClient`) send through. An `http://`
/// endpoint (the loopback collector, a plain-HTTP collector inside a cluster) goes
/// through `PlainHTTPClient`, written here, so that a sync there never starts
/// FoundationNetworking (libcurl's handles, URLSession's threads and buffers: about a
/// fifth of the process's memory, issue 15); `https://` keeps URLSession, made on first
/// use.
///
/// `@unchecked Sendable`: the plain client and the session are made and used under
/// `lock`; the rest is immutable.
final class BlockingExchange: @unchecked Sendable {
    /// What a client asks for; the body is handed over apart, so that a batch can go
    /// straight from its encoder's buffer.
    struct Request {
        var method: String
        /// Where it goes, parsed (`HTTPEndpoint`, which decides plain HTTP or not).
        var endpoint: HTTPEndpoint
        /// Header fields, in order.
        var fields: [(name: String, value: String)] = []

        /// Sets field `name`, replacing one of the same name (any case), as
        /// `URLRequest.setValue` does.
        mutating func set(_ name: String, _ value: String) {
            fields.removeAll(named: name)
            fields.append((name, value))
        }
    }

    /// An HTTP answer: status, header fields, body.
    struct HTTPAnswer {
        var statusCode: Int
        var fields: [(name: String, value: String)]
        var body: [UInt8]

        /// The first field named `name`, case-insensitively.
        func value(forHTTPHeaderField name: String) -> String? {
            fields.value(named: name)
        }
    }

    /// What an exchange gave a client to classify: an HTTP answer, or why there was none.
    enum Answer {
        /// An HTTP status, headers and body (empty when none came).
        case http(HTTPAnswer)
        /// No HTTP answer: nothing in time, a transport error, or the connection lost
        /// before the answer ended. Every client retries these.
        case unanswered(reason: String)
        /// The server answered, but with something that is not HTTP one can read (a
        /// status line or framing that does not parse, a body over the reader's limit).
        /// No client retries these: the same request to the same server gets the same
        /// answer, and retrying only held `agentops sync` until its `--timeout`.
        case malformed(reason: String)

        /// Sorts URLSession's completion handler's three values.
        init(data: Data?, response: URLResponse?, error: Error?) {
            if let error {
                self = BlockingExchange.isMalformedAnswer(error)
                    ? .malformed(reason: BlockingExchange.reason(error))
                    : .unanswered(reason: BlockingExchange.reason(error))
            } else if let http = response as? HTTPURLResponse {
                let fields = http.allHeaderFields.compactMap { name, value in
                    (name as? String).map { (name: $0, value: "\(value)") }
                }
                self = .http(HTTPAnswer(statusCode: http.statusCode, fields: fields, body: [UInt8](data ?? Data())))
            } else {
                self = .unanswered(reason: "no HTTP answer")
            }
        }
    }

    private let lock = NSLock()
    private var plain: PlainHTTPClient?
    private var session: URLSession?

    init() {}

    /// The answer to `request` with `body`, or why none came within `timeout`.
    func answer(to request: Request, body: UnsafeRawBufferPointer, timeout: Double) -> Answer {
        lock.lock()
        defer { lock.unlock() }
        guard let url = request.endpoint.secureURL else {
            if plain == nil { plain = PlainHTTPClient() }
            return plain!.exchange(request, body: body, timeout: timeout)
        }
        var http = URLRequest(url: url)
        http.httpMethod = request.method
        http.timeoutInterval = max(0.1, timeout)
        for field in request.fields { http.setValue(field.value, forHTTPHeaderField: field.name) }
        if request.method != "GET" { http.httpBody = Data(body) }
        return answer(to: http, timeout: timeout)
    }

    /// `answer(to:body:timeout:)` for a body held as bytes.
    func answer(to request: Request, body: [UInt8] = [], timeout: Double) -> Answer {
        body.withUnsafeBytes { answer(to: request, body: $0, timeout: timeout) }
    }

    /// Through URLSession, made the first time (with one connection per host, as the
    /// exporters send one request at a time).
    private func answer(to request: URLRequest, timeout: Double) -> Answer {
        if session == nil {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpMaximumConnectionsPerHost = 1
            session = URLSession(configuration: configuration)
        }
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        let task = session!.dataTask(with: request) { data, response, error in
            box.value = (data, response, error)
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 0.5) == .timedOut {
            task.cancel()
            return .unanswered(reason: Self.noAnswer(within: timeout))
        }
        guard let raw = box.value else { return .unanswered(reason: "no HTTP answer") }
        return Answer(data: raw.data, response: raw.response, error: raw.error)
    }

    /// The words for a transport failure (no HTTP answer at all): URLSession's code,
    /// or, for a failure it has no code for (`network error -1`: TLS above all),
    /// libcurl's own words (`SSL certificate problem: self-signed certificate`).
    static func reason(_ error: Error) -> String {
        guard let code = (error as? URLError)?.code else { return error.localizedDescription }
        if code == .unknown, let words = libcurlWords(error) { return words }
        return code.description
    }

    /// What libcurl said about `error`, when URLSession passed it on.
    private static func libcurlWords(_ error: Error) -> String? {
        let words = (error as NSError).localizedDescription
        return words.isEmpty || words.hasPrefix("The operation could not be completed") ? nil : words
    }

    /// Whether URLSession's `error` says the server's answer could not be read, or its
    /// certificate not trusted, or that it does not speak TLS at all (an `https://`
    /// endpoint on a plain-HTTP port: OpenSSL reads the HTTP answer to its hello as a
    /// record of an unknown version), rather than that none came: the same request to
    /// the same server fails the same way. libcurl's "weird server reply" reaches
    /// URLSession as `.unknown`, with lost connections and others, so that one stays
    /// retried; so does a TLS handshake that broke off (a reset mid-handshake is worth
    /// another try).
    static func isMalformedAnswer(_ error: Error) -> Bool {
        guard let code = (error as? URLError)?.code else { return false }
        if code == .unknown, let words = libcurlWords(error) {
            return words.hasPrefix("SSL certificate problem") || words.hasSuffix("wrong version number")
        }
        return [.cannotParseResponse, .cannotDecodeContentData, .cannotDecodeRawData, .dataLengthExceedsMaximum,
                .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
                .serverCertificateHasUnknownRoot].contains(code)
    }

    /// Why nothing came back within `timeout`.
    static func noAnswer(within timeout: Double) -> String { "no answer within \(DurationFormat.sdk(timeout))" }

    /// The completion handler's result, handed to the waiting caller. `@unchecked
    /// Sendable`: written once before the semaphore is signalled, read only after the wait.
    private final class Box: @unchecked Sendable {
        var value: (data: Data?, response: URLResponse?, error: Error?)?
    }
}
