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
            try #require(Harness.copyExecutable(Harness.binFolder + "/" + name, to: folder + "/" + name))
        }
        if openToAll {
            for path in [folder, home, folder + "/agentops-run", folder + "/agentops-run-exec"] {
                #expect(chmod(path, 0o777) == 0)
            }
        }
        return (folder, home)
    }


    /// Says which of agentops-run's threads run (its parent's, once they have had time
    /// to start), and exits at once if `$WITHOUT_THREADS` is set and the exit watcher or
    /// the signal relay is among them; then ticks until SIGTERM, telling each SIGCONT.
    static let ticker = """
    import os, signal, sys, time
    signal.signal(signal.SIGCONT, lambda number, frame: print("cont", flush=True))
    signal.signal(signal.SIGTERM, lambda number, frame: (print("term", flush=True), sys.exit(0)))
    time.sleep(0.5)
    task = f"/proc/{os.getppid()}/task"
    names = sorted(open(f"{task}/{t}/comm").read().strip() for t in os.listdir(task))
    print("threads:", ",".join(names), flush=True)
    if "WITHOUT_THREADS" in os.environ and {"agentops-run ex", "agentops-run si"} & set(names):
        sys.exit(3)
    while True:
        print("tick", flush=True)
        time.sleep(0.1)
    """

    /// Whether the threads `ticker` listed lack both the exit watcher and the signal
    /// relay; nil when it did not run.
    static func withoutThreads(_ result: JSONValue) -> Bool? {
        let output = result["output"]?.stringValue ?? ""
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
        func onTerminal(limit: Int?) throws -> JSONValue {
            let steps = #"[["wait", "threads:"], ["wait", "tick"], ["type", "\u001a"], ["stopped"], ["continue"], "#
                + #"["wait", "cont"], ["wait", "tick"], ["signal", "TERM"], ["wait", "term"]]"#
            var extra = ["TICKER": Self.ticker, "PTY_STEPS": steps]
            if limit != nil { extra["WITHOUT_THREADS"] = "1" }
            let script = (limit.map { "ulimit -u \($0) || exit 99; " } ?? "")
                + #"exec \#(folder)/agentops-run --tty never -- python3 -c "$TICKER""#
            return try Harness.onTerminal("steps", ["/usr/bin/setpriv", "--reuid=" + user, "--regid=" + user,
                                                    "--clear-groups", "/bin/bash", "-c", script],
                                          environment: Harness.environment(home: home + "/store", extra: extra))
        }
        // The limit that leaves no thread for either: the command (one process) starts
        // after the threads agentops-run needs first, and those two after it; each run
        // races its own threads for the last places (a thread that ends frees one), more
        // so on a busy machine, so the limit is walked to the edge and tried again.
        var limit = 5
        var tries: [String] = []
        var degraded: JSONValue?
        search: for _ in 0..<40 {
            let result = try onTerminal(limit: limit)
            switch Self.withoutThreads(result) {
            case true?:
                degraded = result
                break search
            case false?:
                tries.append("\(limit): threads")
                limit = max(3, limit - 1)
            case nil:
                tries.append("\(limit): no command")
                limit = min(12, limit + 1)
            }
        }
        let without = try #require(degraded, "no run without the two threads: \(tries)")
        let reference = try onTerminal(limit: nil)
        #expect(Self.withoutThreads(reference) == false, "\(reference)")
        for (name, result) in [("without threads", without), ("with threads", reference)] {
            #expect(result["waits"] == .array(Array(repeating: .bool(true), count: 5)), "\(name): \(result)")
            #expect(result["wrapper_state"]?.stringValue == "T", "\(name): Ctrl-Z stops agentops-run: \(result)")
            #expect(result["exit"]?.intValue == 0, "\(name): \(result)")
        }
        // The SIGCONT that resumed agentops-run is not forwarded: the command is continued
        // once, by agentops-run, also when the relay thread hands it on late.
        for (name, result) in [("without threads", without), ("with threads", reference)] {
            let output = result["output"]?.stringValue ?? ""
            #expect(output.components(separatedBy: "cont").count - 1 == 1, "\(name): one SIGCONT: \(output)")
        }
    }
}
