import Foundation
import Testing
import TestSupport
@testable import AgentOpsKit

/// The Platform calls the supervisor and the output pump make (issue 11, phase 2a),
/// checked against what the kernel does.
@Suite("Platform seam: the supervisor's calls", .serialized)
struct SupervisorPlatformTests {
    @Test("a poll set reports which descriptor is ready; a wake pipe wakes it; a removed one is ignored")
    func pollSetAndWakePipe() throws {
        let pipe = try #require(PipePair.make())
        defer { Descriptors.close(pipe.write) }
        let wake = WakePipe()
        var set = PollSet([pipe.read, wake.readFD])
        #expect(set.wait(milliseconds: 0) == .timedOut)
        wake.signal()
        #expect(set.wait(milliseconds: 1000) == .ready)
        #expect(!set.isReady(0) && set.isReady(1))
        var fresh = PollSet([pipe.read])
        Descriptors.writeAll(Array("x".utf8), to: pipe.write)
        #expect(fresh.wait(milliseconds: 1000) == .ready)
        #expect(fresh.isReady(0))
        #expect(Descriptors.bytesAvailable(pipe.read) == 1)
        fresh.remove(at: 0)
        Descriptors.close(pipe.read)
        #expect(fresh.wait(milliseconds: 0) == .timedOut)
    }

    @Test("stream identity: both ends of a pipe are one pipe; a file or a closed descriptor has none")
    func streamIdentity() throws {
        let pipe = try #require(PipePair.make())
        let read = try #require(Descriptors.streamIdentity(pipe.read))
        let write = try #require(Descriptors.streamIdentity(pipe.write))
        #expect(read == write)
        Descriptors.close(pipe.read)
        Descriptors.close(pipe.write)
        #expect(Descriptors.streamIdentity(pipe.read) == nil)
        let file = FileHandle(forReadingAtPath: "/proc/self/status")
        defer { try? file?.close() }
        #expect(Descriptors.streamIdentity(try #require(file).fileDescriptor) == nil)
    }

    @Test("a stopped child is reported and its stop consumed; its exit is left for Foundation to reap")
    func childWait() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "kill -STOP $$; exit 3"]
        try process.run()
        #expect(ChildWait.next(process.processIdentifier) == .stopped(SignalNumber.stop))
        ChildWait.consumeStop(of: process.processIdentifier)
        Signals.send(SignalNumber.continue, to: process.processIdentifier)
        // nil only if Foundation reaped it first, which WNOWAIT itself never causes.
        let exit = ChildWait.next(process.processIdentifier)
        #expect(exit == .exited(3) || exit == nil)
        process.waitUntilExit()
        #expect(process.terminationStatus == 3)
    }

    @Test("the descriptor limit reads back as set")
    func fileLimit() throws {
        let limits = try #require(FileLimit.current())
        #expect(limits.soft <= limits.hard)
        #expect(FileLimit.set(soft: limits.soft, hard: limits.hard))
        #expect(FileLimit.current()?.soft == limits.soft)
    }

    @Test("command resolution: a missing path, a directory, a non-executable file")
    func executableChecks() throws {
        #expect(Files.statusOrError("/nonexistent/agentops").failureIsNoSuchFile)
        #expect(Files.isExecutable("/bin/sh"))
        let folder = ScratchFolder.make("agentops-plain")
        defer { FileTree.remove(folder) }
        let plain = folder + "/plain"
        try Files.replace(plain, with: Array("echo no".utf8))
        #expect(!Files.isExecutable(plain))
        #expect((try? Files.statusOrError("/tmp").get())?.kind == .directory)
        #expect(throws: SystemError.self) { try Files.checkExecutable("/nonexistent/agentops") }
    }
}

private extension Result where Failure == SystemError {
    var failureIsNoSuchFile: Bool {
        if case let .failure(error) = self { return error.isNoSuchFile }
        return false
    }
}
