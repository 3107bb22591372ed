import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// A Python child that reports each signal it gets and exits after a stop signal.
private func reportingChild(ready: String) -> [String] {
    let script = """
    import os, signal, sys, time
    def report(number, frame):
        print("got", signal.Signals(number).name, flush=True)
        if number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            sys.exit(0)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
              signal.SIGALRM, signal.SIGWINCH):
        signal.signal(s, report)
    open(sys.argv[1], "w").close()
    deadline = time.time() + 30
    while time.time() < deadline:
        time.sleep(0.05)
    """
    return ["python3", "-c", script, ready]
}

@Suite("Signals reach the command", .serialized)
struct SignalTests {
    @Test("a stop signal sent to agentops-run reaches the command once and fails the session",
          arguments: [SIGTERM, SIGINT, SIGHUP, SIGQUIT])
    func stopSignalForwarded(signal: Int32) throws {
        let home = Harness.temporaryFolder()
        let ready = home + "/ready"
        let result = Harness.wrap(reportingChild(ready: ready), home: home) { pid in
            #expect(Harness.waitForFile(ready))
            kill(pid, signal)
        }
        let name = SignalNames.name(of: signal)
        #expect(result.out == "got \(name)\n")
        #expect(result.code == 0)
        let session = try Harness.export(home: home)["session"]
        #expect(session?["end_state"]?.stringValue == "Fail")
        #expect(session?["end_state_reason"]?.stringValue
            == "Signal \(name) detected and forwarded to the command; command exited with code 0")
    }

    @Test("other signals are forwarded once and do not end the run")
    func otherSignalsForwarded() throws {
        let home = Harness.temporaryFolder()
        let ready = home + "/ready"
        let result = Harness.wrap(reportingChild(ready: ready), home: home) { pid in
            #expect(Harness.waitForFile(ready))
            for signal in [SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH] {
                kill(pid, signal)
                usleep(150_000)
            }
            kill(pid, SIGTERM)
        }
        #expect(result.out == "got SIGUSR1\ngot SIGUSR2\ngot SIGALRM\ngot SIGWINCH\ngot SIGTERM\n")
    }

    @Test("the command starts with the signal mask and ignored signals agentops-run started with")
    func maskAndIgnoredInherited() throws {
        let home = Harness.temporaryFolder()
        let probe = ["sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status"]
        let direct = Harness.run("/bin/sh", Array(probe.dropFirst()), environment: Harness.environment(home: home))
        let wrapped = Harness.wrap(["-q"] + probe, home: home)
        #expect(wrapped.out == direct.out)
        #expect(wrapped.out.contains("SigBlk:\t0000000000000000"))

        let ignored = Harness.wrap(["sh", "-c", "trap '' INT HUP; exec \(Harness.agentopsRun) -q " + probe.map {
            ShellQuoting.quote($0) }.joined(separator: " ")], home: home)
        // SIGINT (2) and SIGHUP (1) ignored: bits 0 and 1 of SigIgn.
        let sigIgn = ignored.out.split(separator: "\n").first { $0.hasPrefix("SigIgn") }.map(String.init) ?? ""
        let bits = UInt64(sigIgn.split(separator: "\t").last ?? "", radix: 16) ?? 0
        #expect(bits & 0b11 == 0b11, "\(ignored.out)")
    }

    @Test("a command launched from a worker thread still gets signals (inherited-mask regression)")
    func workerThreadLaunch() async throws {
        let folder = Harness.temporaryFolder()
        let statusFile = folder + "/status"
        let process = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let pipe = PipePair.make()!
                    let process = try ChildLauncher.launch(
                        executable: "/bin/sh",
                        arguments: ["-c", "grep SigBlk /proc/self/status > \(statusFile).tmp; "
                                    + "mv \(statusFile).tmp \(statusFile); exec sleep 30"],
                        environment: ProcessInfo.processInfo.environment, stdout: pipe.write, stderr: pipe.write,
                        terminationHandler: { _ in })
                    close(pipe.write)
                    close(pipe.read)
                    continuation.resume(returning: process)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        #expect(Harness.waitForFile(statusFile))
        let status = try String(contentsOfFile: statusFile, encoding: .utf8)
        #expect(status == "SigBlk:\t0000000000000000\n")
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        #expect(!process.isRunning, "SIGTERM did not end a child launched from a worker thread")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
    }

    @Test("agentops-run killed with SIGKILL leaves an Indeterminate session with what was recorded")
    func wrapperKilled() throws {
        let home = Harness.temporaryFolder()
        let ready = home + "/ready"
        let result = Harness.wrap(["sh", "-c", "echo before; echo $$ > \(ready).tmp; mv \(ready).tmp \(ready); "
                                   + "exec sleep 30"], home: home) { pid in
            #expect(Harness.waitForFile(ready))
            usleep(400_000)
            kill(pid, SIGKILL)
            // The command's group outlives the wrapper; end it so its pipes close.
            if let child = try? String(contentsOfFile: ready, encoding: .utf8),
               let childPID = Int32(child.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(-childPID, SIGKILL)
            }
        }
        #expect(result.signal == SIGKILL)
        let export = try Harness.export(home: home)
        #expect(export["session"]?["end_state"]?.stringValue == "Indeterminate")
        #expect(export["session"]?["end_timestamp"] == .null)
        #expect(export.list("actions").compactMap { $0["logs"]?.stringValue } == ["before"])
    }
}
