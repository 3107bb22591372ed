import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// The fake AgentOps API of `Fixtures/fake_agentops.py`, running in the background.
final class FakeAgentOps {
    let endpoint: String
    private let log: String
    private let pid: pid_t

    /// Starts the server in `mode` and waits for its port (`script`: another fake of
    /// the same shape, such as `fake_otlp.py`).
    init(mode: String = "ok", script name: String = "fake_agentops.py") throws {
        let folder = Harness.temporaryFolder()
        log = folder + "/requests.jsonl"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/" + name).path
        let python = try CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"])
        var fds: [Int32] = [-1, -1]
        pipe(&fds)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let words: [String] = [python, script, log, mode]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, python, &actions, nil, argv, environ)
        posix_spawn_file_actions_destroy(&actions)
        close(fds[1])
        try #require(spawned == 0)
        self.pid = pid
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fds[0], &byte, 1) == 1, byte != 0x0A { line.append(byte) }
        close(fds[0])
        let port = try #require(Int(String(decoding: line, as: UTF8.self)), "the fake server did not start")
        endpoint = "http://127.0.0.1:\(port)"
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Every answered request so far: `method`, `path`, `status`, `headers` (lowercase
    /// names), `body`.
    func requests() -> [JSONValue] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }

    /// The ids of all events it accepted (answered 200), with repeats.
    func eventIDs() -> [String] {
        requests().filter { $0["path"] == .string("/v2/create_events") && $0["status"] == .int(200) }
            .flatMap { $0["body"]?["events"]?.arrayValue ?? [] }.compactMap { $0["id"]?.stringValue }
    }
}
