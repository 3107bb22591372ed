import Foundation
import Testing
import TestSupport
@testable import AgentOpsKit

/// The platform seam's own calls, checked against what the kernel and the C library do.
@Suite("Platform seam")
struct PlatformTests {
    static func scratch() throws -> String {
        ScratchFolder.make("agentops-platform")
    }

    @Test("calendar time: UTC fields, timegm's normalising, and no trap on fields out of range")
    func calendarTime() {
        let parts = CalendarTime.utc(1_795_238_552)
        let fields: [Int] = [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second]
        #expect(fields == [2026, 11, 21, 5, 22, 32])
        #expect(parts.utcSeconds == 1_795_238_552)
        // Day 32 of December is 1 January: what LocalTime.dayAfter relies on.
        let next = CalendarTime(year: 2026, month: 12, day: 32, hour: 12).utcSeconds.map(CalendarTime.utc)
        #expect(next.map { [$0.year, $0.month, $0.day] as [Int] } == [2027, 1, 1])
        #expect(CalendarTime(year: .min, month: 1, day: 1).utcSeconds == nil)
        #expect(CalendarTime(year: 2026, month: .max, day: 1).utcSeconds == nil)
    }

    @Test("files: replaced whole, appended, their tail read; a failure says why and leaves nothing behind")
    func files() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/page.html"
        try Files.replace(path, with: Array("old".utf8))
        try Files.replace(path, with: Array("new page".utf8))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new page")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["page.html"])
        let status = try #require(Files.status(path))
        #expect(status.kind == .regular && status.size == 8)
        #expect(abs(status.modifiedSeconds - Clock.wallSeconds()) < 60)
        #expect(Files.status(folder)?.kind == .directory)
        #expect(Files.status(folder + "/none") == nil)
        // A symbolic link: followed by `status`, seen as itself by `linkStatus`.
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: path)
        #expect(Files.status(folder + "/link")?.kind == .regular)
        #expect(Files.linkStatus(folder + "/link")?.kind == .symbolicLink)
        #expect(Files.linkStatus(path)?.kind == .regular && Files.linkStatus(folder)?.kind == .directory)
        #expect(Files.linkStatus(folder + "/none") == nil)
        try FileManager.default.removeItem(atPath: folder + "/link")
        #expect(throws: SystemError(code: ENOENT)) { try Files.replace(folder + "/none/page.html", with: [1]) }
        #expect("\(SystemError(code: ENOENT))" == "No such file or directory")

        try Files.append(Array("a\n".utf8), to: folder + "/log")
        try Files.append(Array("b\n".utf8), to: folder + "/log")
        #expect(Files.tail(of: folder + "/log", limit: 3).map { String(decoding: $0.bytes, as: UTF8.self) } == "\nb\n")
        #expect(Files.tail(of: folder + "/log", limit: 3)?.offset == 1)
        #expect(Files.tail(of: folder + "/log", limit: 100)?.bytes.count == 4)
        #expect(Files.tail(of: folder + "/none", limit: 3) == nil)
    }

    @Test("readiness: an empty pipe times out, a written one is ready")
    func readiness() throws {
        let pipe = try #require(PipePair.make())
        defer { [pipe.read, pipe.write].forEach(Descriptors.close) }
        #expect(Readiness.readable(pipe.read, milliseconds: 10) == .timedOut)
        Descriptors.writeAll([0x41], to: pipe.write)
        #expect(Readiness.readable(pipe.read, milliseconds: 1000) == .ready)
        #expect(Readiness.writable(pipe.write, milliseconds: 0) == .ready)
    }

    @Test("TCP on 127.0.0.1: listen on a free port, connect, send both ways; a closed port is refused")
    func tcp() throws {
        let (listener, port) = try TCPSocket.listenLoopback(backlog: 4)
        defer { Descriptors.close(listener) }
        #expect(port > 0)
        let client = try TCPSocket.connect(host: "127.0.0.1", port: Int(port), timeout: 2)
        defer { Descriptors.close(client) }
        guard case let .connection(server) = TCPSocket.accept(listener) else {
            Issue.record("no connection accepted")
            return
        }
        defer { Descriptors.close(server) }
        #expect(TCPSocket.send(client, Array("ping".utf8)))
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(Array(TCPSocket.receive(server, into: &buffer)) == Array("ping".utf8))
        TCPSocket.shutdown(server)
        #expect(TCPSocket.receive(client, into: &buffer).isEmpty)

        // The port just closed: nothing listens there now.
        let (spare, sparePort) = try TCPSocket.listenLoopback(backlog: 1)
        Descriptors.close(spare)
        #expect(throws: TCPSocket.Failure.self) {
            try TCPSocket.connect(host: "127.0.0.1", port: Int(sparePort), timeout: 2)
        }
    }

    @Test("byte search finds the first byte and compares runs")
    func byteSearch() {
        let bytes: [UInt8] = Array("ab\\cd\\".utf8)
        bytes.withUnsafeBytes { raw in
            let hit = ByteSearch.first(0x5C, in: raw.baseAddress!, count: raw.count)
            #expect(hit.map { raw.baseAddress!.distance(to: $0) } == 2)
            #expect(ByteSearch.first(0x5C, in: raw.baseAddress!, count: 2) == nil)
            #expect(ByteSearch.equal(raw.baseAddress!, raw.baseAddress! + 3, count: 0))
            #expect(!ByteSearch.equal(raw.baseAddress!, raw.baseAddress! + 3, count: 1))
        }
    }

    @Test("a child's environment is among those ProcessEnvironments reads, as SessionActivity needs")
    func processEnvironments() throws {
        let marker = "AGENTOPS_PLATFORM_TEST=" + UUID().uuidString
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        child.environment = [String(marker.prefix { $0 != "=" }): String(marker.drop { $0 != "=" }.dropFirst())]
        try child.run()
        defer { child.terminate() }
        // `run()` returns once the child is forked, maybe before its exec has set the
        // environment /proc shows: look again until it appears (a loaded machine is slow).
        var found = false
        let deadline = Date().addingTimeInterval(20)
        while !found, Date() < deadline {
            ProcessEnvironments.forEach(limit: 1 << 16) { bytes in
                let entries = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                if entries.contains(marker) { found = true }
            }
            if !found { usleep(50_000) }
        }
        #expect(found)
    }

    /// A group whose only member is a zombie is empty to the sweep after a `--timeout`:
    /// `kill(-group, 0)` counts the zombie, and where PID 1 does not reap, the sweep
    /// waited its whole grace for it (hostile pass, round 13).
    @Test("a process group of zombies has no live member; one with a running process has")
    func liveGroupMembers() throws {
        func spawn(_ script: String) throws -> pid_t {
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attributes, 0)
            var pid: pid_t = 0
            let words: [String] = ["/bin/sh", "-c", script]
            let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            try #require(posix_spawn(&pid, "/bin/sh", nil, &attributes, argv, environ) == 0)
            return pid
        }
        let running = try spawn("exec sleep 30")
        #expect(ProcessGroup.hasLiveMember(running))
        kill(running, SIGKILL)
        // Not reaped yet: a zombie, still a member for kill(2).
        var zombie = false
        for _ in 0..<200 where !zombie {
            zombie = (try? String(contentsOfFile: "/proc/\(running)/stat", encoding: .utf8))
                .flatMap(ProcessGroup.parse)?.state == "Z"
            if !zombie { usleep(10_000) }
        }
        try #require(zombie)
        #expect(kill(-running, 0) == 0)
        #expect(!ProcessGroup.hasLiveMember(running))
        var status: Int32 = 0
        _ = waitpid(running, &status, 0)
        #expect(!ProcessGroup.hasLiveMember(running))
        #expect(ProcessGroup.parse("12 (a) b) c) S 1 77 77 0") ?? (" ", 0) == ("S", 77))
    }
}
