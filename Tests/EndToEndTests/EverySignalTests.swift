import AgentOpsExec
import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// The signals beyond the classic nine: every one must reach the command, once.
private let extraSignals: [Int32] = [
    SIGURG, SIGPWR, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO, SIGSYS, SIGSTKFLT, SIGPIPE,
    SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV,
] + Array(SignalTable.realTimeMin...SignalTable.realTimeMax)

@Suite("Every signal reaches the command", .serialized)
struct EverySignalTests {
    @Test("each catchable signal sent to agentops-run reaches the command exactly once")
    func everySignalOnce() throws {
        let home = Harness.temporaryFolder()
        let ready = home + "/ready"
        let numbers = extraSignals.map(String.init).joined(separator: ",")
        let script = """
        import signal, sys, time
        def report(number, frame):
            print("got", number, flush=True)
        for s in (\(numbers)):
            signal.signal(s, report)
        signal.signal(signal.SIGTERM, lambda n, f: sys.exit(0))
        open(sys.argv[1], "w").close()
        time.sleep(30)
        """
        let result = Harness.wrap(["-q", "python3", "-c", script, ready], home: home) { pid in
            #expect(Harness.waitForFile(ready))
            for signal in extraSignals {
                kill(pid, signal)
                usleep(30_000)
            }
            kill(pid, SIGTERM)
        }
        // Exactly once each; not in the order sent: when the machine is loaded two of
        // them can be pending at once, and the kernel delivers the lower number first
        // (to agentops-run, and to the command without agentops-run too).
        let got = result.out.split(separator: "\n").map(String.init).sorted()
        #expect(got == extraSignals.map { "got \($0)" }.sorted(), "\(result.out)")
        #expect(result.code == 0, "\(result.err)")
    }

    @Test("the command killed by a forwarded signal: agentops-run dies of it and names it",
          arguments: [SIGPWR, SIGXCPU, SIGSYS, SIGSEGV, SIGABRT, SIGVTALRM, SIGRTMIN_, SIGRTMAX_])
    func mirrored(signal: Int32) throws {
        let home = Harness.temporaryFolder()
        let ready = home + "/ready"
        let result = Harness.wrap(["sh", "-c", "ulimit -c 0; : > \(ready); exec sleep 30"], home: home) { pid in
            #expect(Harness.waitForFile(ready))
            usleep(100_000)
            kill(pid, signal)
        }
        #expect(result.signal == signal)
        let reason = try Harness.export(home: home)["session"]?["end_state_reason"]?.stringValue ?? ""
        #expect(reason.contains(SignalNames.name(of: signal)), "\(reason)")
    }

    @Test("a signal ignored when agentops-run started stays ignored in the command")
    func ignoredStaysIgnored() {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["sh", "-c", "trap '' PWR; exec \(Harness.agentopsRun) -q -- sh -c "
                                   + "'kill -s PWR $$; echo alive'"], home: home)
        #expect(result.out == "alive\n")
    }
}

private let SIGRTMIN_ = SignalTable.realTimeMin
private let SIGRTMAX_ = SignalTable.realTimeMax
