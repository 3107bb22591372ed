import Foundation
import Glibc
import Testing
@testable import TestSupport

/// The tests' own temporary folders: a test process leaves `$TMPDIR` as it found it,
/// whatever its tests left in their folders and whether they passed.
@Suite("Test scratch folders")
struct ScratchFolderTests {
    /// Set in the test process that `leavesNothing` starts; the probe then makes a mess
    /// and fails on purpose.
    static let probeVariable = "AGENTOPS_SCRATCH_PROBE"

    @Test("a test process removes its folders at exit, also when its test fails and left a hostile tree")
    func leavesNothing() throws {
        if ProcessInfo.processInfo.environment[Self.probeVariable] != nil {
            try Self.probe()
            return
        }
        let temporary = ScratchFolder.make("tmpdir")
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let arguments = ["--testing-library", "swift-testing", "--filter", "ScratchFolderTests/leavesNothing"]
        let child = try Self.run(exe, arguments,
                                 environment: ["TMPDIR": temporary, Self.probeVariable: "1"])
        // It ran the probe (its failure is its output), failed, and left nothing.
        let output = child.output.suffix(3000)
        #expect(child.output.contains("probe made \(temporary)/\(ScratchFolder.prefix)"), "\(output)")
        #expect(child.status == 1 << 8, "exit status \(child.status): \(output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary) == [])
    }

    /// The child's side: a store with a read-only folder, a FIFO and a link out of the
    /// folder, then a failed `#require`.
    static func probe() throws {
        let folder = ScratchFolder.make("probe")
        #expect(mkdir(folder + "/sessions", 0o700) == 0 && mkfifo(folder + "/sessions/fifo", 0o600) == 0)
        #expect(symlink("/", folder + "/sessions/root") == 0 && chmod(folder + "/sessions", 0o500) == 0)
        try #require(Bool(false), "probe made \(folder)")
    }

    @Test("a tree is removed whatever its permissions, FIFOs and names; links out of it are not followed")
    func hostileTree() throws {
        let outside = ScratchFolder.make("outside")
        #expect(chmod(outside, 0o755) == 0)
        #expect(FileManager.default.createFile(atPath: outside + "/keep", contents: Data("kept".utf8)))
        // As root permission bits do not apply: the tree is made and removed by a thread
        // whose file-system identity is nobody's, as a user's test run would be, in a
        // folder of nobody's.
        let asNobody = getuid() == 0
        let base = ScratchFolder.make("tree")
        if asNobody { #expect(chown(base, 65534, 65534) == 0) }
        let tree = base + "/tree"
        let removed = try Self.onThread(fileSystemUser: asNobody ? 65534 : nil) {
            try Self.makeHostileTree(tree, outside: outside)
            return FileTree.remove(tree)
        }
        #expect(removed)
        var status = stat()
        #expect(lstat(tree, &status) == -1 && errno == ENOENT)
        #expect(stat(outside, &status) == 0 && status.st_mode & 0o7777 == 0o755)
        #expect(FileManager.default.contents(atPath: outside + "/keep") == Data("kept".utf8))

        let link = ScratchFolder.make("link") + "/out"
        #expect(symlink(outside, link) == 0)
        #expect(FileTree.remove(link))
        #expect(lstat(link, &status) == -1 && FileManager.default.fileExists(atPath: outside + "/keep"))
        #expect(FileTree.remove(link), "a path that is not there is gone")
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Read-only and unreadable folders holding read-only files, a FIFO, links out of
    /// the tree, a name that is not UTF-8; the tree itself read-only.
    static func makeHostileTree(_ tree: String, outside: String) throws {
        func must(_ done: Bool, _ what: String) throws {
            if !done { throw Failure(description: "\(what): \(String(cString: strerror(errno)))") }
        }
        for folder in ["", "/ro", "/locked", "/locked/inner"] { try must(mkdir(tree + folder, 0o700) == 0, folder) }
        for file in ["/ro/file", "/locked/inner/file"] {
            try must(FileManager.default.createFile(atPath: tree + file, contents: Data("x".utf8),
                                                    attributes: [.posixPermissions: 0o400]), file)
        }
        try must(mkfifo(tree + "/ro/fifo", 0o600) == 0, "mkfifo")
        try must(symlink(outside, tree + "/ro/out") == 0 && symlink(outside + "/keep", tree + "/out-file") == 0,
                 "symlink")
        let latin1 = Array((tree + "/caf").utf8CString.dropLast()) + [CChar(bitPattern: 0xE9), 0]
        let file = open(latin1, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o400)
        try must(file >= 0, "a name that is not UTF-8")
        close(file)
        for (path, mode) in [("/ro", 0o500), ("/locked/inner", 0o000), ("/locked", 0o000), ("", 0o500)] {
            try must(chmod(tree + path, mode_t(mode)) == 0, "chmod \(path)")
        }
    }

    @Test("the folders of test processes that are gone are removed; a live one's are kept")
    func sweep() throws {
        let temporary = ScratchFolder.temporary + "/"
        let gone = try Self.run("/bin/true", [], environment: [:]).pid
        let abandoned = temporary + ScratchFolder.prefix + "\(gone).sweep01"
        let live = temporary + ScratchFolder.prefix + "\(getppid()).sweep02"
        for folder in [abandoned, live] {
            try #require(mkdir(folder, 0o700) == 0 && mkdir(folder + "/store", 0o500) == 0)
        }
        defer { FileTree.remove(live) }
        ScratchFolder.sweepAbandoned()
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(FileManager.default.fileExists(atPath: live + "/store"))
        #expect(FileManager.default.fileExists(atPath: ScratchFolder.root), "this process's own is kept")
    }

    /// Runs `body` on a thread of its own, as `user` for file permissions (`setfsuid`,
    /// which changes only that thread's identity) when one is given.
    static func onThread<T>(fileSystemUser user: uid_t?, _ body: @escaping () throws -> T) throws -> T {
        typealias SetFSUID = @convention(c) (uid_t) -> Int32
        let setfsuid = try #require(dlsym(nil, "setfsuid").map { unsafeBitCast($0, to: SetFSUID.self) })
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let body = body
        nonisolated(unsafe) var result: Result<T, any Error> = .failure(Failure(description: "did not run"))
        let thread = Thread {
            if let user {
                _ = setfsuid(user)
                // setfsuid answers with the identity before the call, so a second call says
                // whether the first took.
                guard setfsuid(user) == Int32(bitPattern: user) else {
                    result = .failure(Failure(description: "setfsuid(\(user)) did not take"))
                    done.signal()
                    return
                }
            }
            result = Result { try body() }
            if user != nil { _ = setfsuid(0) }
            done.signal()
        }
        thread.start()
        done.wait()
        return try result.get()
    }

    /// Runs `executable` to its end: its pid, its wait status, and its stdout and stderr.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws
        -> (pid: pid_t, status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = process.terminationReason == .exit ? process.terminationStatus << 8 : process.terminationStatus
        return (process.processIdentifier, status, String(decoding: output, as: UTF8.self))
    }
}
