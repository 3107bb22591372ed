import Foundation
import Glibc
import Synchronization
import Testing
@testable import AgentOpsKit

/// Python virtual environments for tests that need a package (the AgentOps SDK, the
/// `openai` client, OpenTelemetry), made once under `.build/venvs/NAME` and reused.
///
/// A fresh machine has only `python3`, and Debian's own Python refuses a global
/// `pip install`, so the tests install what they need where the build lives. A stamp
/// file holds the package list: a changed list makes the environment anew. An `flock`
/// on a file beside it keeps parallel tests from building the same one twice.
///
/// When no package registry can be reached, the tests that need one are skipped with
/// the reason (`.enabled(if:)`); `.ci/run` fails a run that skipped anything.
enum PythonEnvironment {
    /// `.build/venvs`, beside the built executables' build folder.
    static let root: String = {
        var folder = Harness.binFolder as NSString
        while !folder.lastPathComponent.isEmpty, folder.lastPathComponent != ".build", folder.length > 1 {
            folder = folder.deletingLastPathComponent as NSString
        }
        return (folder.lastPathComponent == ".build" ? folder as String : "/tmp/agentops-run-test") + "/venvs"
    }()

    /// Outcomes by environment name, so each is attempted once per test process.
    private static let made = Mutex<[String: Result<String, Failure>]>([:])

    /// Why an environment could not be made.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The `python` of environment `name` holding `packages` (pip requirement strings).
    ///
    /// - Throws: `Failure` with pip's last lines when it could not be made.
    static func python(_ name: String, packages: [String]) throws -> String {
        let result = made.withLock { made in
            if let done = made[name] { return done }
            let outcome = Result { try make(name, packages: packages) }.mapError { Failure(description: "\($0)") }
            made[name] = outcome
            return outcome
        }
        return try result.get()
    }

    /// Whether environment `name` exists or can be made (for `.enabled(if:)`).
    static func available(_ name: String, packages: [String]) -> Bool {
        (try? python(name, packages: packages)) != nil
    }

    private static func make(_ name: String, packages: [String]) throws -> String {
        let folder = root + "/" + name
        let python = folder + "/bin/python"
        let stamp = folder + "/.agentops-run-packages"
        let wanted = packages.joined(separator: "\n")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let lock = open(root + "/" + name + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        defer { if lock >= 0 { close(lock) } }
        if lock >= 0 { flock(lock, LOCK_EX) }
        if (try? String(contentsOfFile: stamp, encoding: .utf8)) == wanted, access(python, X_OK) == 0 { return python }
        try? FileManager.default.removeItem(atPath: folder)
        let system = try CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"])
        try step(system, ["-m", "venv", folder], what: "python3 -m venv")
        try step(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + packages,
                 what: "pip install \(packages.joined(separator: " "))")
        try wanted.write(toFile: stamp, atomically: true, encoding: .utf8)
        return python
    }

    private static func step(_ executable: String, _ arguments: [String], what: String) throws {
        let result = Harness.run(executable, arguments, environment: ProcessInfo.processInfo.environment,
                                 timeout: 600)
        guard result.code == 0 else {
            let tail = result.err.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw Failure(description: "\(what) failed (no package registry reachable?): \(tail)")
        }
    }
}

/// The environment with the AgentOps SDK 0.3 that the v2 listener is compared with.
enum SDK03 {
    static let packages = ["agentops==0.3.26"]
    static var available: Bool { PythonEnvironment.available("agentops-0.3", packages: packages) }
    static func python() throws -> String { try PythonEnvironment.python("agentops-0.3", packages: packages) }
}
