import AgentOpsKit
import Foundation
import FoundationNetworking

/// One HTTP exchange through `URLSession`, waited for on the calling thread: the
/// exporters run on threads of their own and go one request at a time, so a blocking
/// call is the plain way to write them. The wait is bounded as a whole (URLSession's
/// own timeout is per idle period), so a backend that accepts and never answers costs
/// at most `timeout`.
enum BlockingExchange {
    /// What came back, or nil when nothing did within `timeout` (the task is cancelled).
    static func perform(_ request: URLRequest, session: URLSession,
                        timeout: Double) -> (data: Data?, response: URLResponse?, error: Error?)? {
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        let task = session.dataTask(with: request) { data, response, error in
            box.value = (data, response, error)
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 0.5) == .timedOut {
            task.cancel()
            return nil
        }
        return box.value
    }

    /// What an exchange gave a client to classify: an HTTP answer, or why there was none.
    enum Answer {
        /// An HTTP status, headers and body (empty when none came).
        case http(HTTPURLResponse, body: Data)
        /// No HTTP answer: nothing in time, a transport error, or a reply that is not
        /// HTTP. Every client retries these.
        case unanswered(reason: String)

        /// Sorts the completion handler's three values.
        init(data: Data?, response: URLResponse?, error: Error?) {
            if let error {
                self = .unanswered(reason: BlockingExchange.reason(error))
            } else if let http = response as? HTTPURLResponse {
                self = .http(http, body: data ?? Data())
            } else {
                self = .unanswered(reason: "no HTTP answer")
            }
        }
    }

    /// `perform`, sorted: the answer to `request`, or why none came within `timeout`.
    static func answer(to request: URLRequest, session: URLSession, timeout: Double) -> Answer {
        guard let raw = perform(request, session: session, timeout: timeout) else {
            return .unanswered(reason: noAnswer(within: timeout))
        }
        return Answer(data: raw.data, response: raw.response, error: raw.error)
    }

    /// The words for a transport failure (no HTTP answer at all).
    static func reason(_ error: Error) -> String {
        (error as? URLError).map { "\($0.code.description)" } ?? error.localizedDescription
    }

    /// Why nothing came back within `timeout`.
    static func noAnswer(within timeout: Double) -> String { "no answer within \(DurationFormat.sdk(timeout))" }

    /// The completion handler's result, handed to the waiting caller. `@unchecked
    /// Sendable`: written once before the semaphore is signalled, read only after the wait.
    private final class Box: @unchecked Sendable {
        var value: (data: Data?, response: URLResponse?, error: Error?)?
    }
}
