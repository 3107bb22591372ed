import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// Runs under a limit on processes and threads (`ulimit -u`) so low that agentops-run
/// cannot start every thread it wants, or Foundation cannot start its own. Before round
/// 6 such runs hung (before the command, or after it ended with its output passed), or
/// went on without forwarding signals, and the session never ended.
@Suite("Thread limits", .serialized)
struct ThreadLimitTests {
    @Test("under any ulimit -u, a run ends: the command's output and 0, or one line and 125; never a hang")
    func endsUnderAnyLimit() throws {
        // As root the limit is not enforced: the run is made as nobody, from copies it
        // can read, with a store it can write.
        let root = getuid() == 0
        let (folder, home) = try Self.copies(openToAll: root)
        for limit in 1...12 {
            let store = home + "/store-\(limit)"
            let script = "ulimit -u \(limit) 2>/dev/null || exit 99; "
                + "exec \(folder)/agentops-run -- /bin/echo hi"
            let (executable, arguments) = root
                ? ("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/bash", "-c", script])
                : ("/bin/bash", ["-c", script])
            let result = Harness.run(executable, arguments, environment: Harness.environment(home: store), timeout: 40)
            #expect(result.seconds < 30, "ulimit -u \(limit): took \(result.seconds) s: \(result.err)")
            #expect(result.signal == nil, "ulimit -u \(limit): killed by \(result.signal ?? 0): \(result.err)")
            let lines = result.err.split(separator: "\n")
            switch result.code {
            case 0:
                #expect(result.out == "hi\n", "ulimit -u \(limit)")
            case 125:
                #expect(result.out.isEmpty, "ulimit -u \(limit): \(result.out)")
                let first = lines.first.map(String.init) ?? ""
                #expect(first.hasPrefix("agentops-run: cannot "), "ulimit -u \(limit): \(result.err)")
            default:
                Issue.record("ulimit -u \(limit): exit \(result.code.map(String.init) ?? "none"): \(result.err)")
            }
        }
    }

    /// A folder holding copies of agentops-run and its exec helper, and a folder for
    /// stores, both open to every user when `openToAll` (for a run as another user).
    static func copies(openToAll: Bool) throws -> (folder: String, home: String) {
        let folder = Harness.temporaryFolder()
        let home = Harness.temporaryFolder()
        for name in ["agentops-run", "agentops-run-exec"] {
            try FileManager.default.copyItem(atPath: Harness.binFolder + "/" + name, toPath: folder + "/" + name)
        }
        if openToAll {
            for path in [folder, home, folder + "/agentops-run", folder + "/agentops-run-exec"] {
                #expect(chmod(path, 0o777) == 0)
            }
        }
        return (folder, home)
    }

    /// Says which of agentops-run's threads run (its parent's, once they have had time
    /// to start).
    static let lister = """
    import os, time
    time.sleep(0.5)
    task = f"/proc/{os.getppid()}/task"
    names = sorted(open(f"{task}/{t}/comm").read().strip() for t in os.listdir(task))
    print("threads:", ",".join(names), flush=True)
    """

    /// `lister`, then ticks until SIGTERM, telling each SIGCONT it gets.
    static let ticker = """
    import signal, sys
    signal.signal(signal.SIGCONT, lambda number, frame: print("cont", flush=True))
    signal.signal(signal.SIGTERM, lambda number, frame: (print("term", flush=True), sys.exit(0)))
    \(lister)
    while True:
        print("tick", flush=True)
        time.sleep(0.1)
    """

    /// Whether the threads `ticker` listed lack both the exit watcher and the signal relay.
    static func withoutThreads(_ output: String) -> Bool? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("threads:") }) else { return nil }
        return !line.contains("agentops-run ex") && !line.contains("agentops-run si")
    }

    @Test("without the threads that watch the command and relay signals, Ctrl-Z, fg and SIGTERM work as with them",
          .enabled(if: getuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0,
                   "a ulimit -u that binds needs root to run agentops-run as a user of its own (setpriv, util-linux)"))
    func followsWithoutThreads() throws {
        let (folder, home) = try Self.copies(openToAll: true)
        // A user no other process runs as, so that the limit counts agentops-run's
        // threads and processes alone.
        let user = String(40_000 + Int(getpid() % 20_000))
        func wrapped(_ limit: Int?, _ command: String) -> [String] {
            ["/usr/bin/setpriv", "--reuid=" + user, "--regid=" + user, "--clear-groups", "/bin/bash", "-c",
             (limit.map { "ulimit -u \($0) || exit 99; " } ?? "")
                + "exec \(folder)/agentops-run --tty never -- \(command)"]
        }
        let environment = Harness.environment(home: home + "/store",
                                              extra: ["TICKER": Self.ticker, "LISTER": Self.lister])
        // The limit that leaves no thread for either: the command (one process) is
        // started after the threads agentops-run needs first, and those two after it;
        // each run races its own threads for the last places, so it is tried again.
        var limit: Int?
        search: for _ in 0..<6 {
            for candidate in 3...9 {
                let probe = wrapped(candidate, "python3 -c \"$LISTER\"")
                let run = Harness.run(probe[0], Array(probe.dropFirst()), environment: environment, timeout: 20)
                guard let without = Self.withoutThreads(run.out) else { continue }
                if without { limit = candidate; break search }
                break
            }
        }
        let found = try #require(limit, "no ulimit -u left agentops-run without its exit watcher and signal relay")

        let steps = #"[["wait", "threads:"], ["wait", "tick"], ["type", "\u001a"], ["stopped"], ["continue"], "#
            + #"["wait", "cont"], ["wait", "tick"], ["signal", "TERM"], ["wait", "term"]]"#
        var extra = environment
        extra["PTY_STEPS"] = steps
        var degraded: JSONValue?
        for _ in 0..<10 {
            let result = try Harness.onTerminal("steps", wrapped(found, "python3 -c \"$TICKER\""), environment: extra)
            if Self.withoutThreads(result["output"]?.stringValue ?? "") == true {
                degraded = result
                break
            }
        }
        let reference = try Harness.onTerminal("steps", wrapped(nil, "python3 -c \"$TICKER\""), environment: extra)
        #expect(Self.withoutThreads(reference["output"]?.stringValue ?? "") == false, "\(reference)")
        let without = try #require(degraded, "ulimit -u \(found): never without the two threads in 10 runs")
        for (name, result) in [("without threads", without), ("with threads", reference)] {
            let output = result["output"]?.stringValue ?? ""
            #expect(result["waits"] == .array(Array(repeating: .bool(true), count: 5)), "\(name): \(result)")
            #expect(result["wrapper_state"]?.stringValue == "T", "\(name): Ctrl-Z stops agentops-run: \(result)")
            #expect(output.components(separatedBy: "cont").count - 1 == 1, "\(name): one SIGCONT: \(output)")
            #expect(result["exit"]?.intValue == 0, "\(name): \(result)")
        }
    }
}
