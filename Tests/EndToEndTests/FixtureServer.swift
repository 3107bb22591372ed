import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// A fixture server of `Fixtures/` (a Python script) running in the background on a
/// loopback port it prints as its first line; stopped when this is released.
final class FixtureServer {
    /// The port it listens on, on 127.0.0.1.
    let port: Int
    /// Its process (the script's own: `unshare` and the like exec it).
    let pid: pid_t
    private let stopSignal: Int32

    /// Starts `[launcher…] python3 Fixtures/<script> <arguments…>` and waits for its port.
    ///
    /// - Parameters:
    ///   - launcher: a command that runs the rest in place (`unshare -rn`).
    ///   - stopSignal: what stops it; anything but SIGKILL gets 30 s to finish before SIGKILL
    ///     (a server that has a child of its own to stop).
    /// - Throws: when the first line is not a port, with that line (the script's reason).
    init(_ script: String, _ arguments: [String], launcher: [String] = [], stopSignal: Int32 = SIGKILL) throws {
        let path = Harness.fixture(script)
        let python = try CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"])
        var fds: [Int32] = [-1, -1]
        pipe(&fds)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let program = try launcher.first.map {
            try CommandResolver.resolve($0, searchPath: ProcessInfo.processInfo.environment["PATH"])
        } ?? python
        let words: [String] = (launcher.isEmpty ? [] : [program] + launcher.dropFirst()) + [python, path] + arguments
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        posix_spawn_file_actions_destroy(&actions)
        close(fds[1])
        try #require(spawned == 0)
        self.pid = pid
        self.stopSignal = stopSignal
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fds[0], &byte, 1) == 1, byte != 0x0A { line.append(byte) }
        close(fds[0])
        let first = String(decoding: line, as: UTF8.self)
        guard let port = Int(first) else {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            throw FixtureFailure(description: "\(script) did not start: \(first.isEmpty ? "no output" : first)")
        }
        self.port = port
    }

    deinit {
        kill(pid, stopSignal)
        var status: Int32 = 0
        if stopSignal != SIGKILL {
            for _ in 0..<300 {
                if waitpid(pid, &status, WNOHANG) != 0 { return }
                usleep(100_000)
            }
            kill(pid, SIGKILL)
        }
        waitpid(pid, &status, 0)
    }
}

/// Why a fixture could not start.
struct FixtureFailure: Error, CustomStringConvertible {
    let description: String
}
