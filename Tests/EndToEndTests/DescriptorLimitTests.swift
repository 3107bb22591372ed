import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// agentops-run under tight descriptor limits: the command runs with exactly its own
/// descriptors and limit, or agentops-run refuses with one line and exit 125, never a
/// 126 for a command that is fine, never a trap.
@Suite("Descriptor limits")
struct DescriptorLimitTests {
    /// Runs `command` from a Python launcher that first closes everything above 2,
    /// opens `inherited` (when given) on /dev/null and sets RLIMIT_NOFILE to
    /// (`soft`, `hard`): this sandbox's own shells leak descriptors, so nothing is left
    /// to what the test process happens to hold.
    private func launch(soft: Int, hard: Int?, inherited: Int32?, _ command: [String], home: String) -> Harness.Result {
        let launcher = """
        import os, resource, sys
        os.closerange(3, 65536)
        fd = int(sys.argv[1])
        if fd >= 0: os.dup2(os.open("/dev/null", os.O_RDONLY), fd)
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1] if sys.argv[3] == "-" else int(sys.argv[3])
        resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[2]), hard))
        argv = [sys.executable if a == "PYTHON" else a for a in sys.argv[4:]]
        os.execv(argv[0], argv)
        """
        return Harness.run(python, ["-c", launcher, "\(inherited ?? -1)", "\(soft)", hard.map { "\($0)" } ?? "-"]
                           + command, environment: Harness.environment(home: home))
    }

    private var python: String {
        (try? CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"]))
            ?? "/usr/bin/python3"
    }

    /// What the command sees: its descriptors and its RLIMIT_NOFILE, from the Python
    /// binary itself (`PYTHON`, replaced by the launcher: a pyenv shim is a shell script
    /// that opens descriptors of its own).
    private var report: [String] {
        ["PYTHON", "-c", "import os, resource\n"
            + "def is_open(n):\n    try:\n        os.fstat(n)\n        return True\n    except OSError:\n        return False\n"
            + "print([str(n) for n in range(4096) if is_open(n)], resource.getrlimit(resource.RLIMIT_NOFILE))"]
    }

    @Test("an inherited descriptor just under a soft limit of 256 reaches the command, with its limit",
          arguments: [(256, 256), (256, nil), (96, 96)] as [(Int, Int?)])
    func inheritedJustUnderTheLimit(soft: Int, hard: Int?) {
        expectSameAsBare(soft: soft, hard: hard, inherited: Int32(soft - 5))
    }

    /// The command sees `inherited` and its limit under agentops-run as without it.
    private func expectSameAsBare(soft: Int, hard: Int?, inherited fd: Int32) {
        let home = Harness.temporaryFolder()
        let bare = launch(soft: soft, hard: hard, inherited: fd, report, home: home)
        #expect(bare.out.hasPrefix("['0', '1', '2', '\(fd)'] (\(soft), "), "\(bare.out) \(bare.err)")
        let wrapped = launch(soft: soft, hard: hard, inherited: fd,
                             [Harness.agentopsRun, "-q", "--tty", "never", "--"] + report, home: home)
        #expect(wrapped.code == 0, "\(wrapped.err)")
        #expect(wrapped.out == bare.out, "\(wrapped.err)")
        #expect(wrapped.err.isEmpty)
    }

    @Test("a descriptor inherited above the soft limit (opened before it was lowered) reaches the command",
          arguments: [(128, 200), (64, 70), (40, 67)] as [(Int, Int32)])
    func inheritedAboveTheLimit(soft: Int, fd: Int32) {
        expectSameAsBare(soft: soft, hard: nil, inherited: fd)
    }

    @Test("a descriptor inherited above the hard limit: one warning, the command runs without it",
          arguments: [(200, 251), (69, 100)] as [(Int, Int32)])
    func inheritedAboveTheHardLimit(limit: Int, fd: Int32) {
        let home = Harness.temporaryFolder()
        let wrapped = launch(soft: limit, hard: limit, inherited: fd,
                             [Harness.agentopsRun, "-q", "--tty", "never", "--"] + report, home: home)
        // Every command used to fail with 126 ("Bad file descriptor", blamed on the helper).
        #expect(wrapped.code == 0, "\(wrapped.err)")
        #expect(wrapped.out.hasPrefix("['0', '1', '2'] (\(limit), \(limit))"), "\(wrapped.out)")
        #expect(wrapped.err == "agentops-run: warning: descriptor \(fd) above the hard limit on open files "
            + "(ulimit -Hn \(limit)) cannot be passed to the command; it runs without it\n", "\(wrapped.err)")
    }

    @Test("many inherited descriptors, some on each other's received numbers, all reach the command")
    func manyInherited() {
        // 3…40 all open: the helper receives them on numbers that are themselves
        // targets, so the placement has to order its moves (and break cycles).
        let home = Harness.temporaryFolder()
        let launcher = """
        import os, resource, sys
        os.closerange(3, 65536)
        os.dup2(os.open("/dev/null", os.O_RDONLY), 100)
        for n in range(3, 41): os.dup2(100, n)
        os.close(100)
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))
        argv = [sys.executable if a == "PYTHON" else a for a in sys.argv[1:]]
        os.execv(argv[0], argv)
        """
        let bare = Harness.run(python, ["-c", launcher] + report, environment: Harness.environment(home: home))
        let wrapped = Harness.run(python, ["-c", launcher, Harness.agentopsRun, "-q", "--tty", "never", "--"] + report,
                                  environment: Harness.environment(home: home))
        #expect(bare.out.contains("'40'] (128, 128)"), "\(bare.out) \(bare.err)")
        #expect(wrapped.code == 0, "\(wrapped.err)")
        #expect(wrapped.out == bare.out, "\(wrapped.err)")
    }

    @Test("a limit too low for agentops-run gives one line and 125, records nothing, at every value",
          arguments: [4, 5, 10, 14, 16, 18, 20, 22, 24, 30, 50, 66])
    func tooLow(limit: Int) throws {
        let home = Harness.temporaryFolder()
        let result = launch(soft: limit, hard: limit, inherited: nil,
                            [Harness.agentopsRun, "--", "/bin/sh", "-c", "echo ran"], home: home)
        #expect(result.signal == nil)
        #expect(result.code == 125, "\(result.err)")
        #expect(result.out.isEmpty)
        #expect(result.err == "agentops-run: ulimit -n \(limit) is too low: agentops-run needs 64 descriptors besides "
            + "the 3 it was started with; raise it to at least 67\n")
        let sessions = (try? FileManager.default.contentsOfDirectory(atPath: home + "/sessions")) ?? []
        #expect(sessions.isEmpty)
    }

    @Test("247 inherited descriptors reach the command; 248 give one line and 125, nothing recorded",
          arguments: [247, 248])
    func mostInherited(count: Int) throws {
        let home = Harness.temporaryFolder()
        let launcher = """
        import os, sys
        os.closerange(3, 65536)
        for _ in range(int(sys.argv[1])):
            os.set_inheritable(os.open("/dev/null", os.O_RDONLY), True)
        os.execv(sys.argv[2], sys.argv[2:])
        """
        let result = Harness.run(python, ["-c", launcher, "\(count)", Harness.agentopsRun, "-q", "--tty", "never", "--",
                                          "/bin/sh", "-c", "ls /proc/self/fd | wc -l"],
                                 environment: Harness.environment(home: home))
        let sessions = (try? FileManager.default.contentsOfDirectory(atPath: home + "/sessions")) ?? []
        if count <= 247 {
            // 0–2, the inherited ones, and the descriptor `ls` reads /proc/self/fd with.
            #expect(result.code == 0, "\(result.err)")
            #expect(result.out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(count + 4)", "\(result.err)")
        } else {
            #expect(result.code == 125, "\(result.err)")
            #expect(result.out.isEmpty)
            #expect(result.err == "agentops-run: agentops-run was started with \(count) open descriptors above 2; "
                + "it can pass at most 247 to the command: close the others first\n")
            #expect(sessions.isEmpty)
        }
    }

    @Test("a low soft limit under a higher hard one: agentops-run takes what it needs, the command keeps its own",
          arguments: [5, 16, 20, 24])
    func lowSoftLimit(soft: Int) {
        let home = Harness.temporaryFolder()
        let bare = launch(soft: soft, hard: 4096, inherited: nil, report, home: home)
        let wrapped = launch(soft: soft, hard: 4096, inherited: nil,
                             [Harness.agentopsRun, "-q", "--tty", "never", "--"] + report, home: home)
        #expect(bare.out == "['0', '1', '2'] (\(soft), 4096)\n", "\(bare.err)")
        #expect(wrapped.code == 0, "\(wrapped.err)")
        #expect(wrapped.out == bare.out, "\(wrapped.err)")
        #expect(wrapped.err.isEmpty)
    }

    @Test("the limit just enough for agentops-run runs the command, with the listener and the store")
    func justEnough() throws {
        let home = Harness.temporaryFolder()
        let result = launch(soft: 67, hard: 67, inherited: nil,
                            [Harness.agentopsRun, "--tty", "never", "--"] + report, home: home)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out == "['0', '1', '2'] (67, 67)\n")
        #expect(!result.err.contains("warning"), "\(result.err)")
        let sessions = try FileManager.default.contentsOfDirectory(atPath: home + "/sessions")
        #expect(sessions.contains { $0.hasSuffix(".jsonl") })
    }
}
