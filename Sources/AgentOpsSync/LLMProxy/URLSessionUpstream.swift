import AgentOpsKit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// HTTPS to the real APIs through URLSession (libcurl), its data delegate handing each
/// piece of the body to the connection's thread as it arrives.
enum URLSessionUpstream {
    /// One URLSession for the proxy's life, its delegate routing each task's callbacks
    /// to the call that started it.
    final class Shared: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        private let calls = Mutex<[Int: URLSessionCall.Inbox]>([:])
        private(set) lazy var session: URLSession = {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.timeoutIntervalForRequest = Upstream.idleTimeout
            configuration.timeoutIntervalForResource = 24 * 3600
            configuration.httpShouldSetCookies = false
            configuration.urlCache = nil
            return URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        }()
        private let made = Mutex(false)

        /// The session, made on first use (a proxy that only sees plain HTTP never loads libcurl).
        func urlSession() -> URLSession {
            made.withLock { _ in session }
        }

        func register(_ task: URLSessionTask, _ inbox: URLSessionCall.Inbox) {
            calls.withLock { $0[task.taskIdentifier] = inbox }
        }

        private func inbox(_ task: URLSessionTask) -> URLSessionCall.Inbox? {
            calls.withLock { $0[task.taskIdentifier] }
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            inbox(dataTask)?.push(.head(response))
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            inbox(dataTask)?.push(.data(data))
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            let inbox = calls.withLock { $0.removeValue(forKey: task.taskIdentifier) }
            inbox?.push(.end(error))
        }

        // Redirects go back to the client as they are, as without the proxy.
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }
}

/// One request through URLSession.
final class URLSessionCall: UpstreamCall {
    /// The client (`watch(client:)`).
    private var client: ClientWatch?

    func watch(client fd: Int32) { client = ClientWatch(fd: fd) }

    /// What the delegate hands over, in order.
    enum Item: @unchecked Sendable {
        case head(URLResponse)
        case data(Data)
        case end(Error?)
    }

    /// A queue from the delegate's thread to the connection's.
    final class Inbox: Sendable {
        private let items = Mutex<[Item]>([])
        private let available = DispatchSemaphore(value: 0)

        func push(_ item: Item) {
            items.withLock { $0.append(item) }
            available.signal()
        }

        /// The next item, the client looked at four times a second meanwhile.
        ///
        /// - Throws: `ProxyError.clientGone` when the client is gone first (`ClientWatch`).
        func pop(watching client: inout ClientWatch?, head: Bool) throws -> Item {
            if var watch = client {
                defer { client = watch }
                while available.wait(timeout: .now() + 0.25) == .timedOut {
                    try watch.take(Readiness.peer(of: watch.fd, watchingDoneSending: head && watch.watchesDoneSending),
                                   head: head)
                }
            } else {
                available.wait()
            }
            return items.withLock { $0.removeFirst() }
        }
    }

    private let shared: URLSessionUpstream.Shared
    private let inbox = Inbox()
    private var task: URLSessionDataTask?
    private var ended = false

    init(shared: URLSessionUpstream.Shared) {
        self.shared = shared
    }

    func start(method: String, url: URL, fields: [(name: String, value: String)], body: [UInt8]) throws
        -> (status: Int, reason: String, fields: [(name: String, value: String)], length: Int?) {
        var request = URLRequest(url: url)
        request.httpMethod = method
        for field in fields { request.addValue(field.value, forHTTPHeaderField: field.name) }
        if !body.isEmpty { request.httpBody = Data(body) }
        let task = shared.urlSession().dataTask(with: request)
        self.task = task
        shared.register(task, inbox)
        task.resume()
        switch try inbox.pop(watching: &client, head: true) {
        case let .head(response):
            guard let http = response as? HTTPURLResponse else { throw ProxyError.upstream("not an HTTP response") }
            // libcurl has already taken the body's framing and any content coding off.
            let dropped = Set(ProxyHTTP.hopByHop + ["content-length", "content-encoding"])
            let fields = http.allHeaderFields.compactMap { key, value -> (name: String, value: String)? in
                guard let name = key as? String, !dropped.contains(name.lowercased()) else { return nil }
                return (name, "\(value)")
            }.sorted { $0.name.lowercased() < $1.name.lowercased() }
            let reason = HTTPURLResponse.localizedString(forStatusCode: http.statusCode).capitalized
            return (http.statusCode, reason, fields, nil)
        case .data:
            throw ProxyError.upstream("a body before the head")
        case let .end(error):
            ended = true
            throw ProxyError.upstream("cannot reach \(url.host ?? "\(url)"): "
                + "\(error.map { ($0 as NSError).localizedDescription } ?? "no response")")
        }
    }

    func next() throws -> [UInt8] {
        guard !ended else { return [] }
        switch try inbox.pop(watching: &client, head: false) {
        case let .data(data): return [UInt8](data)
        case .head: return []
        case let .end(error):
            ended = true
            if let error { throw ProxyError.upstream("the response broke off: \((error as NSError).localizedDescription)") }
            return []
        }
    }

    func close() {
        if !ended { task?.cancel() }
    }
}
