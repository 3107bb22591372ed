import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// The repository's files the end-to-end tests run, and the two ways a test drives a
/// fixture script: under agentops-run as a probe that prints what it saw, and on a
/// pseudo-terminal through `Fixtures/pty_driver.py`.
extension Harness {
    /// The repository's root folder (this file is `Tests/EndToEndTests/` in it).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path

    /// The path of the fixture `name` (`Tests/EndToEndTests/Fixtures/name`).
    static func fixture(_ name: String) -> String { repositoryRoot + "/Tests/EndToEndTests/Fixtures/" + name }

    /// The path of the example `name` (`examples/name`).
    static func example(_ name: String) -> String { repositoryRoot + "/examples/" + name }

    /// Runs `agentops-run -q python3 Fixtures/<script>`, a probe that talks to the run's
    /// listener and prints one JSON object of what it saw, and expects it to exit 0.
    ///
    /// - Returns: the run, and its output parsed.
    /// - Throws: when the output is not JSON.
    static func probe(_ script: String, home: String, extra: [String: String] = [:], timeout: Double = 60,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> (result: Result, seen: JSONValue) {
        let result = wrap(["-q", "python3", fixture(script)], home: home, extra: extra, timeout: timeout)
        #expect(result.code == 0, "\(result.err)", sourceLocation: sourceLocation)
        return (result, try JSONParser.parse(result.stdout))
    }

    /// Runs `command` on a fresh pseudo-terminal through `Fixtures/pty_driver.py`, which
    /// plays `scenario` at it and prints what happened as JSON.
    ///
    /// - Throws: when the driver fails or prints no JSON.
    static func onTerminal(_ scenario: String, _ command: [String], environment: [String: String],
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        let python = try CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"])
        let result = run(python, [fixture("pty_driver.py"), scenario] + command, environment: environment,
                         timeout: 60)
        try #require(result.code == 0, "pty driver failed: \(result.err)", sourceLocation: sourceLocation)
        return try JSONParser.parse(result.stdout)
    }

    /// Runs agentops-run with `arguments` (a command that records its pid in `ready` and
    /// sleeps), and kills it with SIGKILL `delay` seconds after `ready` appears, as a
    /// crash or the OOM killer would; the command's group, which outlives it, is killed
    /// too so that its pipes close.
    static func killedOnceReady(_ arguments: [String], ready: String, after delay: Double,
                                environment: [String: String]) -> Result {
        run(agentopsRun, arguments, environment: environment) { pid in
            #expect(waitForFile(ready))
            usleep(UInt32(delay * 1_000_000))
            kill(pid, SIGKILL)
            if let child = try? String(contentsOfFile: ready, encoding: .utf8),
               let childPID = Int32(child.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(-childPID, SIGKILL)
            }
        }
    }
}
