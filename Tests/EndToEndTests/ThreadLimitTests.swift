import Foundation
import Glibc
import Testing

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
        let folder = Harness.temporaryFolder()
        let home = Harness.temporaryFolder()
        for name in ["agentops-run", "agentops-run-exec"] {
            try FileManager.default.copyItem(atPath: Harness.binFolder + "/" + name, toPath: folder + "/" + name)
        }
        if root {
            for path in [folder, home, folder + "/agentops-run", folder + "/agentops-run-exec"] {
                #expect(chmod(path, 0o777) == 0)
            }
        }
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
}
