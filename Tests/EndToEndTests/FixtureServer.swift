import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// A fixture server of `Fixtures/` (a Python script) running in the background on a
/// loopback port it prints as its first line; stopped when this is released.
final class FixtureServer {
    /// The port it listens on, on 127.0.0.1.
    let port: Int
    private let pid: pid_t

    /// Starts `python3 Fixtures/<script> <arguments…>` and waits for its port.
    init(_ script: String, _ arguments: [String]) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/" + script).path
        let python = try CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"])
        var fds: [Int32] = [-1, -1]
        pipe(&fds)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let words: [String] = [python, path] + arguments
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, python, &actions, nil, argv, environ)
        posix_spawn_file_actions_destroy(&actions)
        close(fds[1])
        try #require(spawned == 0)
        self.pid = pid
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fds[0], &byte, 1) == 1, byte != 0x0A { line.append(byte) }
        close(fds[0])
        port = try #require(Int(String(decoding: line, as: UTF8.self)), "\(script) did not start")
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
