import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// The small exec helper beside agentops-run, agentops-run's own helper mode when it is
/// missing, and the descriptor limit the spawn lowers for a moment.
@Suite("The exec helper")
struct ExecHelperTests {
    /// Prints the command's descriptors (as `DescriptorTests` does) and its
    /// RLIMIT_NOFILE, from a Python that first closes everything above 2, opens fd 7
    /// and sets the soft limit to 1000 (below any default, above any fd used here).
    private func probe(through wrapper: [String], home: String) -> Harness.Result {
        let launcher = """
        import os, resource, sys
        os.closerange(3, 65536)
        os.dup2(os.open("/dev/null", os.O_RDONLY), 7)
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (1000, hard))
        os.execv(sys.argv[1], sys.argv[1:])
        """
        // fd 3 is the listing's own.
        let report = "import os, resource; print([n for n in sorted(os.listdir('/proc/self/fd'), key=int) if n != '3'],"
            + " resource.getrlimit(resource.RLIMIT_NOFILE))"
        let python = (try? CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"]))
            ?? "/usr/bin/python3"
        return Harness.run(python, ["-c", launcher] + wrapper + [python, "-c", report],
                           environment: Harness.environment(home: home))
    }

    @Test("the command gets agentops-run's descriptors and descriptor limit exactly, as when run bare")
    func sameLimitAndDescriptors() {
        let home = Harness.temporaryFolder()
        let bare = probe(through: [], home: home)
        let wrapped = probe(through: [Harness.agentopsRun, "-q", "--tty", "never", "--"], home: home)
        #expect(bare.out.hasPrefix("['0', '1', '2', '7'] (1000, "), "\(bare.out) \(bare.err)")
        #expect(wrapped.out == bare.out, "\(wrapped.err)")
        #expect(wrapped.code == 0)
    }

    @Test("without agentops-run-exec beside it, agentops-run starts the command through itself, the same way")
    func fallbackWithoutHelper() throws {
        let home = Harness.temporaryFolder()
        let alone = Harness.temporaryFolder() + "/agentops-run"
        // A hard link: /proc/self/exe then names the folder without the helper.
        try #require(link(Harness.agentopsRun, alone) == 0 || copyfile(Harness.agentopsRun, alone))
        defer { unlink(alone) }
        let bare = probe(through: [], home: home)
        let wrapped = probe(through: [alone, "-q", "--tty", "never", "--"], home: home)
        #expect(wrapped.out == bare.out, "\(wrapped.err)")
        let missing = Harness.run(alone, ["--", "/nonexistent/command"], environment: Harness.environment(home: home))
        #expect(missing.code == 127, "\(missing.err)")
    }

    @Test("agentops-run-exec run by hand says what it is and does nothing")
    func helperByHand() {
        let helper = Harness.binFolder + "/agentops-run-exec"
        let result = Harness.run(helper, ["echo", "hi"], environment: Harness.environment(home: Harness.temporaryFolder()))
        #expect(result.code == 2)
        #expect(result.out.isEmpty)
        #expect(result.err == "agentops-run-exec: agentops-run's helper that starts its command; not meant to be run directly\n")
    }

    private func copyfile(_ from: String, _ to: String) -> Bool {
        (try? FileManager.default.copyItem(atPath: from, toPath: to)) != nil
    }
}
