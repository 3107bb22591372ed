import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// A real Arize Phoenix (PyPI `arize-phoenix`), the OTLP backend the Phoenix export test
/// writes to and reads back from.
///
/// Phoenix runs in a network namespace of its own that has nothing but loopback
/// (`Fixtures/phoenix_server.py` under `unshare -rn`): its gRPC receiver binds every
/// interface whatever `PHOENIX_HOST` says, and the namespace keeps it off the machine's
/// network (and its fixed ports off everyone else's). Whatever talks to it, the
/// agentops-run under test and the reads alike, runs in that namespace through
/// `nsenter`. Both come with util-linux; no root and no iproute2 are needed.
final class PhoenixBackend {
    /// The release the test is pinned to (its REST span search and GraphQL `costSummary`).
    static let version = "20.26.1"
    static let packages = ["arize-phoenix==\(version)"]
    static let environmentName = "arize-phoenix-\(version)"

    /// Whether its virtual environment exists or can be made (no package registry: no).
    static var available: Bool { PythonEnvironment.available(environmentName, packages: packages) }

    private let server: FixtureServer
    private let nsenter: String
    private let query: String
    /// Phoenix's base URL inside its namespace.
    let url: String

    /// Starts Phoenix in a fresh namespace and working folder and waits for `/healthz`.
    ///
    /// - Throws: `FixtureFailure` saying why (the namespace could not be made, Phoenix
    ///   exited or did not answer in time, with the end of its log).
    init() throws {
        let python = try PythonEnvironment.python(Self.environmentName, packages: Self.packages)
        let path = ProcessInfo.processInfo.environment["PATH"]
        nsenter = try CommandResolver.resolve("nsenter", searchPath: path)
        query = Harness.fixture("phoenix_query.py")
        let phoenix = (python as NSString).deletingLastPathComponent + "/phoenix"
        do {
            server = try FixtureServer("phoenix_server.py", [phoenix, Harness.temporaryFolder()],
                                       launcher: ["unshare", "-rn"], stopSignal: SIGTERM)
        } catch {
            throw FixtureFailure(description: "Arize Phoenix \(Self.version) did not start: \(error) "
                                 + "(it runs in a loopback-only namespace: `unshare -rn` must work here)")
        }
        url = "http://127.0.0.1:\(server.port)"
    }

    /// Runs `executable` with `arguments` inside Phoenix's network namespace.
    func run(_ executable: String, _ arguments: [String], environment: [String: String],
             timeout: Double = 120) -> Harness.Result {
        Harness.run(nsenter, ["--target", String(server.pid), "--user", "--net", "--preserve-credentials", "--",
                              executable] + arguments, environment: environment, timeout: timeout)
    }

    /// `GET path`, or `POST` of `json` to it: the status and the parsed body.
    func request(_ path: String, json: String? = nil) throws -> (status: Int, body: JSONValue) {
        let answer = try send(path, json.map { [$0] } ?? [])
        return (answer.status, answer.body.isEmpty ? .null : try JSONParser.parse(answer.body))
    }

    /// `POST` of the file at `path` to `target` as `contentType`, with `headers`: the status.
    func post(file path: String, to target: String, contentType: String, headers: [String: String] = [:]) throws
        -> Int {
        try send(target, ["@" + path, contentType] + headers.map { "\($0.key)=\($0.value)" }).status
    }

    private func send(_ path: String, _ arguments: [String]) throws -> (status: Int, body: [UInt8]) {
        let python = try CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"])
        let result = run(python, [query, url + path] + arguments, environment: ProcessInfo.processInfo.environment,
                         timeout: 60)
        let lines = result.stdout.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false)
        let status = try #require(lines.first.flatMap { Int(String(decoding: $0, as: UTF8.self)) },
                                  "no answer from Phoenix at \(path): \(result.err)")
        return (status, lines.count > 1 ? Array(lines[1]) : [])
    }

    /// The spans Phoenix holds for `trace` in `project` (REST `GET /v1/projects/{name}/spans`),
    /// asked again until there are `count` of them: Phoenix answers an export at once and
    /// stores its spans in the background, a few tenths of a second later.
    func spans(project: String, trace: String, count: Int, timeout: Double = 60) throws -> [JSONValue] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: (status: Int, body: JSONValue) = (0, .null)
        repeat {
            last = try request("/v1/projects/\(project)/spans?trace_id=\(trace)&limit=1000")
            if last.status == 200, let data = last.body["data"]?.arrayValue, data.count >= count { return data }
            usleep(200_000)
        } while Date() < deadline
        Issue.record("Phoenix had not stored \(count) spans of trace \(trace) after \(timeout) s: \(last)")
        return last.body["data"]?.arrayValue ?? []
    }

    /// The answer to a GraphQL query at `/graphql` (its `data`).
    func graphQL(_ query: String, variables: JSONValue) throws -> JSONValue {
        let body = JSONValue.object([("query", .string(query)), ("variables", variables)])
        let answer = try request("/graphql", json: String(decoding: JSONWriter.compact(body), as: UTF8.self))
        try #require(answer.status == 200 && answer.body["errors"] == nil, "GraphQL: \(answer)")
        return answer.body["data"] ?? .null
    }
}
