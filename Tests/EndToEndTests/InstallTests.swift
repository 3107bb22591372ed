import Foundation
import Glibc
import Testing

/// `scripts/install` into a temporary prefix. The build itself is .ci/run's part (it
/// runs the script with a release build); here the script installs the binaries this
/// test run built, since a nested `swift build` would wait for this one's lock.
@Suite("scripts/install")
struct InstallTests {
    static let root = Harness.repositoryRoot

    @Test("installs both binaries and both man pages under PREFIX, and they run from there")
    func installIntoPrefix() throws {
        let prefix = Harness.temporaryFolder() + "/usr"
        var env = ProcessInfo.processInfo.environment
        env["PREFIX"] = prefix
        env["BUILT"] = Harness.binFolder
        let result = Harness.run("/bin/sh", [Self.root + "/scripts/install"], environment: env)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("installed agentops-run and agentops in \(prefix)/bin"))
        for (path, mode) in [("bin/agentops-run", 0o755), ("bin/agentops-run-exec", 0o755), ("bin/agentops", 0o755),
                             ("share/man/man1/agentops-run.1", 0o644), ("share/man/man1/agentops.1", 0o644)] {
            var info = stat()
            #expect(stat(prefix + "/" + path, &info) == 0, "\(path) missing")
            #expect(Int(info.st_mode) & 0o777 == mode, "\(path) mode")
        }
        let home = Harness.temporaryFolder()
        let run = Harness.run(prefix + "/bin/agentops-run", ["--", prefix + "/bin/agentops", "--version"],
                              environment: Harness.environment(home: home))
        #expect(run.code == 0)
        #expect(run.out.hasPrefix("agentops "))
    }

    @Test("a relative PREFIX is refused before anything is built")
    func relativePrefix() {
        var env = ProcessInfo.processInfo.environment
        env["PREFIX"] = "relative/path"
        env["BUILT"] = "/nonexistent"
        let result = Harness.run("/bin/sh", [Self.root + "/scripts/install"], environment: env)
        #expect(result.code == 2)
        #expect(result.err.contains("PREFIX must be an absolute path"))
    }
}
