import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// Pids written one per line to `path` by a child.
private func pids(in path: String) -> [pid_t] {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { pid_t($0) }
}

private func alive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 }

/// Waits until none of `pids` is alive; true if they all went.
private func allGone(_ pids: [pid_t], within seconds: Double) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if !pids.contains(where: alive) { return true }
        usleep(20_000)
    }
    return false
}

@Suite("Supervision: timeouts, escalation, grandchildren, pipes", .serialized)
struct SupervisionTests {
    @Test("--timeout sends TERM at the deadline: exit 124, session Fail saying it timed out")
    func timeout() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["--timeout", "300ms", "sleep", "10"], home: home)
        #expect(result.code == 124)
        #expect(result.seconds < 3)
        let session = try Harness.export(home: home)["session"]
        #expect(session?["end_state"]?.stringValue == "Fail")
        #expect(session?["end_state_reason"]?.stringValue
            == "Timed out after 0.3s: sent SIGTERM; command was killed by signal SIGTERM")
    }

    @Test("a command that ignores the timeout signal is killed after --kill-after: exit 137")
    func timeoutKill() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["--timeout", "0.3", "-k", "0.3s", "--signal", "USR1", "sh", "-c",
                                   "trap '' USR1; sleep 10"], home: home)
        #expect(result.code == 137)
        #expect(result.seconds < 4)
        let reason = try Harness.export(home: home)["session"]?["end_state_reason"]?.stringValue
        #expect(reason == "Timed out after 0.3s: sent SIGUSR1, then SIGKILL after 0.3s; "
            + "command was killed by signal SIGKILL")
    }

    @Test("a command that finishes in time is not touched by --timeout")
    func timeoutNotReached() {
        let result = Harness.wrap(["--timeout", "1m", "sh", "-c", "exit 3"], home: Harness.temporaryFolder())
        #expect(result.code == 3)
    }

    @Test("malformed durations and signals are usage errors", arguments: [
        ["--timeout", "soon"], ["--timeout", "-5"], ["--kill-after", "1x"], ["--signal", "NOPE"], ["--timeout"],
    ])
    func malformed(arguments: [String]) {
        let result = Harness.wrap(arguments + ["true"], home: Harness.temporaryFolder())
        #expect(result.code == 125)
    }

    @Test("a second SIGINT escalates: SIGTERM now, SIGKILL after the grace period")
    func doubleInterrupt() throws {
        let home = Harness.temporaryFolder()
        let ready = home + "/ready"
        let script = """
        import signal, sys, time
        signal.signal(signal.SIGINT, lambda n, f: print("got SIGINT", flush=True))
        signal.signal(signal.SIGTERM, lambda n, f: print("got SIGTERM", flush=True))
        open(sys.argv[1], "w").close()
        while True:
            time.sleep(0.05)
        """
        let result = Harness.wrap(["-k", "0.5", "python3", "-c", script, ready], home: home) { pid in
            #expect(Harness.waitForFile(ready))
            kill(pid, SIGINT)
            usleep(200_000)
            kill(pid, SIGINT)
        }
        #expect(result.out == "got SIGINT\ngot SIGTERM\n")
        #expect(result.signal == SIGKILL)
        let session = try Harness.export(home: home)["session"]
        #expect(session?["end_state"]?.stringValue == "Fail")
        #expect(session?["end_state_reason"]?.stringValue == "Signal SIGINT detected and forwarded to the command; "
            + "interrupted twice: sent SIGTERM, then SIGKILL after 0.5s; command was killed by signal SIGKILL")
    }

    @Test("the exit is seen at once when a background grandchild keeps the pipes; it is left alone")
    func backgroundGrandchild() throws {
        let home = Harness.temporaryFolder()
        let pidFile = home + "/pids"
        let result = Harness.wrap(["sh", "-c", "sleep 30 & echo $! > \(pidFile); echo started"], home: home)
        #expect(result.code == 0)
        #expect(result.out == "started\n")
        #expect(result.seconds < 1.5)
        let background = pids(in: pidFile)
        #expect(background.count == 1 && background.allSatisfy(alive), "the background sleep was left alone")
        background.forEach { kill($0, SIGKILL) }
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logs == ["started"])
    }

    @Test("output a grandchild writes within the grace period is passed on and recorded")
    func grandchildOutputWithinGrace() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["sh", "-c", "(sleep 0.2; echo late) & echo early"], home: home)
        #expect(result.out == "early\nlate\n")
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logs == ["early", "late"])
    }

    @Test("SIGTERM to agentops-run leaves no descendant of the command alive")
    func descendantsGone() throws {
        let home = Harness.temporaryFolder()
        let pidFile = home + "/pids"
        let ready = home + "/ready"
        var descendants: [pid_t] = []
        let result = Harness.wrap(["sh", "-c", "sleep 999 & echo $! >> \(pidFile); sleep 999 & echo $! >> \(pidFile); "
                                   + "touch \(ready); wait"], home: home) { pid in
            #expect(Harness.waitForFile(ready))
            descendants = pids(in: pidFile)
            kill(pid, SIGTERM)
        }
        #expect(descendants.count == 2)
        #expect(allGone(descendants, within: 3))
        descendants.forEach { kill($0, SIGKILL) }
        #expect(result.signal == SIGTERM)
    }

    @Test("a reader that goes away gives the command SIGPIPE, as without agentops-run")
    func brokenPipe() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.run("/bin/sh", ["-c", "\(Harness.agentopsRun) -q -- yes | head -1"],
                                 environment: Harness.environment(home: home), timeout: 20)
        #expect(result.out == "y\n")
        #expect(result.seconds < 5)
        let reason = try Harness.export(home: home)["session"]?["end_state_reason"]?.stringValue
        #expect(reason == "Command was killed by signal SIGPIPE")
    }

    @Test("every exit code 0-255 is mirrored")
    func allExitCodes() {
        let home = Harness.temporaryFolder()
        var wrong: [Int32] = []
        for code in Int32(0)...255 {
            let result = Harness.wrap(["-q", "sh", "-c", "exit \(code)"], home: home)
            if result.code != code { wrong.append(code) }
        }
        #expect(wrong.isEmpty)
    }
}
