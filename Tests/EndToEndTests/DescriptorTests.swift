import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

@Suite("The command's descriptors", .serialized)
struct DescriptorTests {
    /// Runs `command` from a Python that first closes everything above 2 and opens
    /// fd 7 (a file) and fd 9 (a socket), so the comparison does not depend on what
    /// the test process happens to have open.
    private func withKnownDescriptors(_ command: [String], home: String) -> Harness.Result {
        let launcher = """
        import os, socket, sys
        os.closerange(3, 65536)
        f = os.open("/dev/null", os.O_RDONLY)
        os.dup2(f, 7)
        a, b = socket.socketpair()
        os.dup2(a.fileno(), 9)
        os.execv(sys.argv[1], sys.argv[1:])
        """
        let python = (try? CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"]))
            ?? "/usr/bin/python3"
        return Harness.run(python, ["-c", launcher] + command, environment: Harness.environment(home: home))
    }

    @Test("the command starts with exactly the descriptors agentops-run inherited, as when run bare")
    func sameAsBare() throws {
        let home = Harness.temporaryFolder()
        let probe = ["/usr/bin/env", "python3", "-c",
                     "import os; print(' '.join(f'{n}:{os.readlink(\"/proc/self/fd/\" + n).split(\":\")[0]}'"
                     + " for n in sorted(os.listdir('/proc/self/fd'), key=int) if n != '3'))"]
        let bare = withKnownDescriptors(probe, home: home)
        let wrapped = withKnownDescriptors([Harness.agentopsRun, "-q", "--tty", "never", "--"] + probe, home: home)
        #expect(bare.out.contains("7:/dev/null 9:socket"), "\(bare.out) \(bare.err)")
        #expect(wrapped.out == bare.out, "\(wrapped.err)")
    }
}
